/**
 * The `vault` store: a key's CURRENT is the latest version of its KV v2 secret, so a consumer
 * reading "latest" only ever sees a promoted key. PENDING waits in a keyturn-owned document
 * beside it (`<mount>/data/<prefix>/<path>/pending`, removed with all its versions once
 * promoted or dropped); the version index, rotation record, journal, history and lease are
 * documents there too, each changed by check-and-set.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { failpoint } from '../../engine/failpoints.js';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import type { KeyMaterial } from '../../issuers/types.js';
import type { HistoryEntry, JournalEntry, Lease, RotationRecord, SecretStore, StoredVersion, StoreRef } from '../types.js';
import type { VaultClient } from './client.js';
import { Documents, UNCHANGED } from './documents.js';
import { isCasConflict } from './errors.js';
import { labels, settle, type VaultState, type VersionInfo } from './labels.js';
import { mirrorToMetadata } from './metadata-mirror.js';

export interface VaultStoreOptions {
  client: VaultClient;
  mount: string;
  /** folder on the mount for keyturn's own documents (default "keyturn") */
  prefix?: string;
  /** for describe(): the address as configured */
  displayAddress?: string;
  historyLimit?: number;
  now?: () => number;
  /** called by close(): stops token renewal */
  onClose?: () => void;
}

interface PendingDoc extends VersionInfo {
  material: KeyMaterial;
}

interface LeaseDoc {
  owner: string;
  token: string;
  expiresAt: string;
}

const DEFAULT_HISTORY_LIMIT = 200;

export class VaultStore implements SecretStore {
  readonly type = 'vault';
  readonly client: VaultClient;
  private readonly docs: Documents;
  private readonly mount: string;
  private readonly prefix: string;
  private readonly display: string;
  private readonly historyLimit: number;
  private readonly now: () => number;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly options: VaultStoreOptions) {
    this.client = options.client;
    this.docs = new Documents(options.client);
    this.mount = options.mount;
    this.prefix = options.prefix ?? 'keyturn';
    this.display = options.displayAddress ?? options.client.endpoint;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.now = options.now ?? Date.now;
  }

  describe(ref: StoreRef): string {
    return `vault:${this.display}/${this.mount}#${ref.path}`;
  }

  async current(ref: StoreRef): Promise<StoredVersion | undefined> {
    const { view, latest } = await this.view(ref);
    if (!view.current || latest.state !== 'present') return undefined;
    return toStored(view.current.info, latest.data, latest.createdTime);
  }

  async pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    const [pending, { view }] = await Promise.all([this.docs.read<PendingDoc>(this.path(ref, 'pending')), this.view(ref)]);
    // promoted, but the pending document not yet removed (a crash in between): it is CURRENT, not PENDING
    if (!pending || view.current?.info.rotationId === pending.rotationId) return undefined;
    return toStored(pending, pending.material, pending.createdAt);
  }

  async previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    const { view } = await this.view(ref);
    if (!view.previous) return undefined;
    const read = await this.client.readData(this.secret(ref), view.previous.version);
    return read.state === 'present' ? toStored(view.previous.info, read.data, view.previous.info.createdAt) : undefined;
  }

  stage(ref: StoreRef, rotationId: string, version: { keyId: string; material: KeyMaterial; meta?: Record<string, string> }): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(version);
      await failpoint('store.stage', ref.key);
      const { view, latest } = await this.view(ref);
      if (view.current?.info.rotationId === rotationId) {
        if (latest.state === 'present' && isDeepStrictEqual(stringMap(latest.data), copy.material)) return;
        throw errors.stageConflict(ref.key, rotationId);
      }
      const doc: PendingDoc = { rotationId, keyId: copy.keyId, meta: { ...(copy.meta ?? {}) }, createdAt: new Date(this.now()).toISOString(), material: { ...copy.material } };
      await this.docs.update<PendingDoc, void>(this.path(ref, 'pending'), (existing) => {
        if (existing?.rotationId === rotationId) {
          if (isDeepStrictEqual(existing.material, doc.material)) return { next: UNCHANGED, value: undefined };
          throw errors.stageConflict(ref.key, rotationId);
        }
        return { next: doc, value: undefined };
      });
    });
  }

  promote(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await failpoint('store.promote', ref.key);
      const pendingPath = this.path(ref, 'pending');
      const [pending, { state, view, latest }] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.view(ref)]);
      if (view.current?.info.rotationId === rotationId) {
        if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
        return;
      }
      if (pending?.rotationId !== rotationId) {
        throw errors.store(
          `cannot promote rotation ${rotationId} of ${ref.key}: it is not the pending version`,
          'stage the new key first; a promote after a rollback of the same rotation is refused on purpose',
        );
      }
      const from = latest.version;
      const info: VersionInfo = { rotationId, keyId: pending.keyId, meta: pending.meta, createdAt: pending.createdAt };
      const chain = [...(latest.state === 'present' ? state.chain : state.chain.slice(0, -1)), from + 1];
      await this.writeOp(ref, { kind: 'promote', rotationId, from, info, chain });
      await this.writeSecret(ref, pending.material, from);
      await this.docs.remove(pendingPath);
    });
  }

  rollback(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await failpoint('store.rollback', ref.key);
      const pendingPath = this.path(ref, 'pending');
      const [pending, { state, view, latest }] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.view(ref)]);
      if (view.current?.info.rotationId !== rotationId) {
        if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
        return;
      }
      const restore = view.previous;
      if (!restore) {
        // the first rotation undone: nothing verified remains, so no version may be latest
        await this.client.changeVersions(`${this.mount}/delete/${ref.path}`, [latest.version]);
        await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
          const s = settle(doc, latest.version);
          s.chain = [];
          return { next: s, value: undefined };
        });
      } else {
        const old = await this.client.readData(this.secret(ref), restore.version);
        if (old.state !== 'present') {
          throw new KeyturnError('ESTORE', `cannot roll back ${ref.key}: its previous version ${restore.version} is gone from Vault`, ExitCode.needsAttention, {
            hint: 'raise max_versions on the secret; restore the old key by hand',
          });
        }
        const chain = [...state.chain.slice(0, -2), latest.version + 1];
        await this.writeOp(ref, { kind: 'rollback', rotationId: restore.info.rotationId, from: latest.version, info: restore.info, chain });
        await this.writeSecret(ref, stringMap(old.data), latest.version);
      }
      if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
    });
  }

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    return structuredClone((await this.docs.read<VaultState>(this.path(ref, 'state')))?.record ?? {});
  }

  record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(patch);
      await failpoint('store.record', ref.key);
      await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
        const s = doc ?? { index: {}, chain: [], record: {} };
        const next: Record<string, unknown> = { ...s.record };
        for (const [field, value] of Object.entries(copy)) {
          if (value === undefined) delete next[field];
          else next[field] = value;
        }
        if (isDeepStrictEqual(next, s.record)) return { next: UNCHANGED, value: undefined };
        return { next: { ...s, record: next as RotationRecord }, value: undefined };
      });
    });
  }

  appendHistory(ref: StoreRef, entry: HistoryEntry): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(entry);
      await failpoint('store.appendHistory', ref.key);
      const changed = await this.docs.update<HistoryEntry[], boolean>(this.path(ref, 'history'), (doc) => {
        const list = doc ?? [];
        const index = list.findIndex((h) => h.rotationId === copy.rotationId && h.outcome === copy.outcome);
        if (index >= 0) {
          if (isDeepStrictEqual(list[index], copy)) return { next: UNCHANGED, value: false };
          list[index] = copy;
        } else {
          list.push(copy);
        }
        return { next: list.slice(-this.historyLimit), value: true };
      });
      // operators looking at the secret in Vault's UI see who rotated it and when
      if (changed && copy.outcome === 'completed') await mirrorToMetadata(this.client, `${this.mount}/metadata/${ref.path}`, copy);
    });
  }

  async history(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) return (await this.docs.read<HistoryEntry[]>(this.path(ref, 'history'))) ?? [];
    const files = await this.historyDocs(`${this.mount}/metadata/${this.prefix}/`);
    const all = (await Promise.all(files.map((p) => this.docs.read<HistoryEntry[]>(p)))).flatMap((h) => h ?? []);
    return all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    return this.docs.read<JournalEntry>(this.path(ref, 'journal'));
  }

  writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    return this.track(async () => {
      const copy = entry === undefined ? undefined : structuredClone(entry);
      await failpoint('store.writeJournal', ref.key);
      await this.docs.update<JournalEntry, void>(this.path(ref, 'journal'), (doc) =>
        isDeepStrictEqual(doc, copy) ? { next: UNCHANGED, value: undefined } : { next: copy, value: undefined },
      );
    });
  }

  lease(ref: StoreRef, owner: string, ttlMs: number): Promise<Lease> {
    return this.track(async () => {
      await failpoint('store.lease', ref.key);
      checkTtl(ttlMs);
      const path = this.path(ref, 'lease');
      const token = randomBytes(16).toString('hex');
      const taken = await this.docs.update<LeaseDoc, LeaseDoc>(path, (held) => {
        if (held && held.owner !== owner && Date.parse(held.expiresAt) > this.now()) throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
        const next = { owner, token, expiresAt: new Date(this.now() + ttlMs).toISOString() };
        return { next, value: next };
      });
      const lease: Lease = {
        owner: taken.owner,
        token: taken.token,
        expiresAt: taken.expiresAt,
        renew: (ttl: number) =>
          this.track(async () => {
            await failpoint('store.renewLease', ref.key);
            checkTtl(ttl);
            lease.expiresAt = await this.docs.update<LeaseDoc, string>(path, (held) => {
              if (held?.token !== token) {
                if (held && Date.parse(held.expiresAt) > this.now()) throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
                throw new KeyturnError('ELEASE', `the lease on key ${ref.key} was lost (it expired or was broken)`, ExitCode.rolledBack, {
                  hint: 'the rotation must stop: another run may take over this key',
                });
              }
              const expiresAt = new Date(this.now() + ttl).toISOString();
              return { next: { ...held, expiresAt }, value: expiresAt };
            });
          }),
        release: () =>
          this.track(async () => {
            await failpoint('store.releaseLease', ref.key);
            await this.docs.update<LeaseDoc, void>(path, (held) => ({ next: held?.token === token ? undefined : UNCHANGED, value: undefined }));
          }),
      };
      return lease;
    });
  }

  breakLease(ref: StoreRef, owner: string): Promise<void> {
    return this.track(async () => {
      await failpoint('store.breakLease', ref.key);
      await this.docs.update<LeaseDoc, void>(this.path(ref, 'lease'), (held) => ({ next: held?.owner === owner ? undefined : UNCHANGED, value: undefined }));
    });
  }

  async close(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    this.options.onClose?.();
  }

  /** The secret itself: what consumers read. */
  secret(ref: StoreRef): string {
    return `${this.mount}/data/${ref.path}`;
  }

  /** One of keyturn's documents for this secret. */
  path(ref: StoreRef, doc: 'state' | 'pending' | 'journal' | 'history' | 'lease'): string {
    return `${this.mount}/data/${this.prefix}/${ref.path}/${doc}`;
  }

  private async view(ref: StoreRef) {
    const [doc, read] = await Promise.all([this.docs.read<VaultState>(this.path(ref, 'state')), this.client.readData(this.secret(ref))]);
    const version = read.state === 'missing' ? 0 : read.version;
    const state = settle(doc, version);
    const view = labels(state, read.state === 'present' ? read.version : undefined);
    const latest =
      read.state === 'present'
        ? { state: 'present' as const, version, data: read.data, createdTime: view.current?.info.createdAt ?? '' }
        : { state: read.state, version, data: {}, createdTime: '' };
    return { state, view, latest };
  }

  /** Record the intent of a promote or rollback, on top of whatever op an earlier crash left (settled first). */
  private async writeOp(ref: StoreRef, op: NonNullable<VaultState['op']>): Promise<void> {
    await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
      const s = settle(doc, op.from);
      return { next: { ...s, op }, value: undefined };
    });
  }

  /** Write the secret on top of version `from`; a CAS refusal means someone else wrote it meanwhile. */
  private async writeSecret(ref: StoreRef, material: KeyMaterial, from: number): Promise<void> {
    try {
      await this.client.writeData(this.secret(ref), material, from);
    } catch (error) {
      // A retried write whose first attempt landed (the answer was lost) is refused by CAS: ours is there, all is well.
      if (isCasConflict(error)) {
        const now = await this.client.readData(this.secret(ref));
        if (now.state === 'present' && now.version === from + 1 && isDeepStrictEqual(stringMap(now.data), material)) return;
        // someone else's version sits where ours would have: the intent must not claim it
        await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
          if (doc?.op?.from !== from) return { next: UNCHANGED, value: undefined };
          const { op: _dropped, ...rest } = doc;
          return { next: rest, value: undefined };
        });
      }
      throw error;
    }
  }

  private async historyDocs(folder: string): Promise<string[]> {
    const keys = await this.client.list(folder);
    const nested = await Promise.all(
      keys.map(async (k) => {
        if (k.endsWith('/')) return this.historyDocs(`${folder}${k}`);
        return k === 'history' ? [`${folder}${k}`.replace(`${this.mount}/metadata/`, `${this.mount}/data/`)] : [];
      }),
    );
    return nested.flat();
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function toStored(info: VersionInfo, data: Record<string, unknown>, createdAt: string): StoredVersion {
  return { rotationId: info.rotationId, keyId: info.keyId, material: stringMap(data), createdAt: info.createdAt || createdAt, meta: { ...info.meta } };
}

function stringMap(data: Record<string, unknown>): KeyMaterial {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`a lease needs a positive ttl, got ${ttlMs}`);
}
