/**
 * The `vault` store: a key's CURRENT is the latest version of its KV v2 secret, so a consumer
 * reading "latest" only ever sees a promoted key. PENDING waits in a keyturn-owned document
 * beside it (`<mount>/data/<prefix>/<path>/pending`, removed with all its versions once
 * promoted or dropped); the version index, rotation record, journal and lease share one
 * document there (`state`), the history has its own; each is changed by check-and-set.
 *
 * Requests are the cost of a rotation, so what this process itself read or wrote is
 * remembered: versions are hints for check-and-set writes (a stale one is refused by Vault,
 * never overwrites), and while this process holds a key's lease — nobody else writes
 * keyturn's documents then — its reads of them are served from what it last saw.
 */
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { failpoint } from '../../engine/failpoints.js';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import type { KeyMaterial } from '../../issuers/types.js';
import type { HistoryEntry, JournalEntry, Lease, LeaseHolder, RotationRecord, SecretStore, StoredVersion, StoreRef } from '../types.js';
import type { DataRead, VaultClient } from './client.js';
import { Documents, UNCHANGED } from './documents.js';
import { isCasConflict } from './errors.js';
import { emptyState, labels, settle, type LeaseDoc, type VaultState, type VersionInfo } from './labels.js';
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

const DEFAULT_HISTORY_LIMIT = 200;
/** history entries kept in the state document before they are moved to the history document */
const RECENT_HISTORY = 8;
const MAX_FLUSH_ROUNDS = 4;

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
  /** the secret as this process last read or wrote it: a CAS hint, never a reason not to write */
  private readonly secrets = new Map<string, DataRead>();
  /** state path → token of the lease this process took there (until released or lost) */
  private readonly held = new Map<string, string>();

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
    const { view, latest } = await this.view(ref, 'fresh');
    if (!view.current || latest.state !== 'present') return undefined;
    return toStored(view.current.info, latest.data, latest.createdTime);
  }

  async pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    const pending = await this.ownDoc<PendingDoc>(ref, 'pending');
    if (!pending) return undefined;
    // promoted, but the pending document not yet removed (a crash in between): it is CURRENT, not PENDING
    const { view } = await this.view(ref, 'fresh');
    if (view.current?.info.rotationId === pending.rotationId) return undefined;
    return toStored(pending, pending.material, pending.createdAt);
  }

  async previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    const { view } = await this.view(ref, 'fresh');
    if (!view.previous) return undefined;
    const read = await this.client.readData(this.secret(ref), view.previous.version);
    return read.state === 'present' ? toStored(view.previous.info, read.data, view.previous.info.createdAt) : undefined;
  }

  stage(ref: StoreRef, rotationId: string, version: { keyId: string; material: KeyMaterial; meta?: Record<string, string> }): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(version);
      await failpoint('store.stage', ref.key);
      // stage writes only the pending document: the secret's labels from a hint decide nothing
      // unless they say this rotation is CURRENT already, which is then confirmed on a fresh read
      let { view, latest, hinted } = await this.view(ref, 'hint');
      if (hinted && view.current?.info.rotationId === rotationId) ({ view, latest } = await this.view(ref, 'fresh'));
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
      // Usually stage just wrote the pending document and this process last read or wrote the
      // secret: both are known, and promote costs three writes (intent, secret with CAS, removal).
      // Only a decision not to write (already CURRENT, nothing pending) goes back to Vault first.
      let pending = this.docs.peek<PendingDoc>(pendingPath)?.doc;
      let seen = await this.view(ref, 'hint');
      if (seen.view.current?.info.rotationId === rotationId || pending?.rotationId !== rotationId) {
        [pending, seen] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.view(ref, 'fresh')]);
      }
      const { view, latest } = seen;
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
      const present = latest.state === 'present';
      const info: VersionInfo = { rotationId, keyId: pending.keyId, meta: pending.meta, createdAt: pending.createdAt };
      // the chain is built from the state document the CAS write lands on, not from the hint
      await this.writeOp(ref, from, (s) => ({ kind: 'promote', rotationId, info, chain: [...(present ? s.chain : s.chain.slice(0, -1)), from + 1] }));
      // A version that moved since this process last saw it means someone else wrote the secret
      // during the rotation: the CAS refusal fails the promote (another writer in flight), the
      // same as a write landing between a fresh read and the write.
      await this.writeSecret(ref, pending.material, from);
      await this.docs.remove(pendingPath);
    });
  }

  rollback(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await failpoint('store.rollback', ref.key);
      const pendingPath = this.path(ref, 'pending');
      // rollback is the rare path: it decides on fresh reads
      const [pending, { state, view, latest }] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.view(ref, 'fresh')]);
      if (view.current?.info.rotationId !== rotationId) {
        if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
        return;
      }
      const restore = view.previous;
      if (!restore) {
        // the first rotation undone: nothing verified remains, so no version may be latest
        await this.client.changeVersions(`${this.mount}/delete/${ref.path}`, [latest.version]);
        this.secrets.set(this.secret(ref), { state: 'deleted', version: latest.version });
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
        await this.writeOp(ref, latest.version, () => ({ kind: 'rollback', rotationId: restore.info.rotationId, info: restore.info, chain }));
        await this.writeSecret(ref, stringMap(old.data), latest.version);
      }
      if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
    });
  }

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    return structuredClone((await this.ownDoc<VaultState>(ref, 'state'))?.record ?? {});
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
      const statePath = this.path(ref, 'state');
      let changed = false;
      for (let round = 0; ; round += 1) {
        if (round === MAX_FLUSH_ROUNDS) throw errors.store(`cannot append to the history of ${ref.key}: other writers keep filling it`, 'rerun; the rotation itself is recorded');
        const known = this.docs.peek<VaultState>(statePath);
        const recent = known?.doc?.recent ?? [];
        // full: first move the recent entries to the history document; a crash in between leaves
        // them in both, and reads merge them by rotation and outcome
        if (!recent.some((h) => sameEntry(h, copy)) && recent.length >= RECENT_HISTORY) await this.flushHistory(ref);
        const outcome = await this.docs.update<VaultState, 'unchanged' | 'appended' | 'full'>(statePath, (doc) => {
          const list = [...(doc?.recent ?? [])];
          const index = list.findIndex((h) => sameEntry(h, copy));
          if (index >= 0) {
            if (isDeepStrictEqual(list[index], copy)) return { next: UNCHANGED, value: 'unchanged' };
            list[index] = copy;
          } else {
            // another process filled it meanwhile: flush, then try again
            if (list.length >= RECENT_HISTORY) return { next: UNCHANGED, value: 'full' };
            list.push(copy);
          }
          return { next: { ...(doc ?? emptyState()), recent: list }, value: 'appended' };
        });
        if (outcome === 'full') {
          await this.flushHistory(ref);
          continue;
        }
        changed = outcome === 'appended';
        break;
      }
      // operators looking at the secret in Vault's UI see who rotated it and when
      if (changed && copy.outcome === 'completed') await mirrorToMetadata(this.client, `${this.mount}/metadata/${ref.path}`, copy);
    });
  }

  async history(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) {
      const [kept, state] = await Promise.all([this.docs.read<HistoryEntry[]>(this.path(ref, 'history')), this.ownDoc<VaultState>(ref, 'state')]);
      return structuredClone(mergeHistory(kept ?? [], state?.recent ?? [], this.historyLimit));
    }
    const folders = await this.historyFolders(`${this.mount}/data/${this.prefix}/`, `${this.mount}/metadata/${this.prefix}/`);
    const all = (
      await Promise.all(
        folders.map(async (f) => {
          const [kept, state] = await Promise.all([this.docs.read<HistoryEntry[]>(`${f}history`), this.docs.read<VaultState>(`${f}state`)]);
          return mergeHistory(kept ?? [], state?.recent ?? [], this.historyLimit);
        }),
      )
    ).flat();
    return all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  }

  /** Move the state document's recent entries into the history document, then drop them from the state. */
  private async flushHistory(ref: StoreRef): Promise<void> {
    const statePath = this.path(ref, 'state');
    const state = await this.docs.read<VaultState>(statePath);
    const moving = state?.recent ?? [];
    if (!moving.length) return;
    await this.docs.update<HistoryEntry[], void>(this.path(ref, 'history'), (doc) => {
      const merged = mergeHistory(doc ?? [], moving, this.historyLimit);
      return { next: isDeepStrictEqual(merged, doc ?? []) ? UNCHANGED : merged, value: undefined };
    });
    await this.docs.update<VaultState, void>(statePath, (doc) => {
      const left = (doc?.recent ?? []).filter((h) => !moving.some((m) => isDeepStrictEqual(m, h)));
      if (!doc || left.length === (doc.recent ?? []).length) return { next: UNCHANGED, value: undefined };
      const next: VaultState = { ...doc, recent: left };
      if (!left.length) delete next.recent;
      return { next, value: undefined };
    });
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    return structuredClone((await this.ownDoc<VaultState>(ref, 'state'))?.journal);
  }

  writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    return this.track(async () => {
      const copy = entry === undefined ? undefined : structuredClone(entry);
      await failpoint('store.writeJournal', ref.key);
      await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
        if (isDeepStrictEqual(doc?.journal, copy)) return { next: UNCHANGED, value: undefined };
        const next: VaultState = { ...(doc ?? emptyState()), journal: copy };
        if (copy === undefined) delete next.journal;
        return { next, value: undefined };
      });
    });
  }

  lease(ref: StoreRef, owner: string, ttlMs: number): Promise<Lease> {
    return this.track(async () => {
      await failpoint('store.lease', ref.key);
      checkTtl(ttlMs);
      const path = this.path(ref, 'state');
      const token = randomBytes(16).toString('hex');
      const taken = await this.docs.update<VaultState, LeaseDoc>(path, (doc) => {
        const held = doc?.lease;
        if (held && held.owner !== owner && Date.parse(held.expiresAt) > this.now()) throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
        const next = { owner, token, expiresAt: new Date(this.now() + ttlMs).toISOString() };
        return { next: { ...(doc ?? emptyState()), lease: next }, value: next };
      });
      this.held.set(path, token);
      const lease: Lease = {
        owner: taken.owner,
        token: taken.token,
        expiresAt: taken.expiresAt,
        renew: (ttl: number) =>
          this.track(async () => {
            await failpoint('store.renewLease', ref.key);
            checkTtl(ttl);
            lease.expiresAt = await this.docs.update<VaultState, string>(path, (doc) => {
              const held = doc?.lease;
              if (!doc || held?.token !== token) {
                if (held && Date.parse(held.expiresAt) > this.now()) throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
                throw new KeyturnError('ELEASE', `the lease on key ${ref.key} was lost (it expired or was broken)`, ExitCode.rolledBack, {
                  hint: 'the rotation must stop: another run may take over this key',
                });
              }
              const expiresAt = new Date(this.now() + ttl).toISOString();
              return { next: { ...doc, lease: { ...held, expiresAt } }, value: expiresAt };
            });
          }),
        release: () =>
          this.track(async () => {
            await failpoint('store.releaseLease', ref.key);
            if (this.held.get(path) === token) this.held.delete(path);
            await this.docs.update<VaultState, void>(path, (doc) => ({ next: doc?.lease?.token === token ? withoutLease(doc) : UNCHANGED, value: undefined }));
          }),
      };
      return lease;
    });
  }

  async leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined> {
    const lease = (await this.ownDoc<VaultState>(ref, 'state'))?.lease;
    return lease ? { owner: lease.owner, expiresAt: lease.expiresAt } : undefined;
  }

  breakLease(ref: StoreRef, owner: string): Promise<void> {
    return this.track(async () => {
      await failpoint('store.breakLease', ref.key);
      await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => ({ next: doc?.lease?.owner === owner ? withoutLease(doc) : UNCHANGED, value: undefined }));
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
  path(ref: StoreRef, doc: 'state' | 'pending' | 'history'): string {
    return `${this.mount}/data/${this.prefix}/${ref.path}/${doc}`;
  }

  /**
   * keyturn's own document: from what this process last saw while it holds the key's lease
   * (only the holder writes keyturn's documents then), else read from Vault.
   */
  private async ownDoc<T>(ref: StoreRef, doc: 'state' | 'pending'): Promise<T | undefined> {
    const path = this.path(ref, doc);
    const seen = this.underLease(ref) ? this.docs.peek<T>(path) : undefined;
    return seen ? seen.doc : this.docs.read<T>(path);
  }

  /** Whether this process holds the key's lease, by the state document as it last wrote or read it. */
  private underLease(ref: StoreRef): boolean {
    const path = this.path(ref, 'state');
    const token = this.held.get(path);
    const lease = token === undefined ? undefined : this.docs.peek<VaultState>(path)?.doc?.lease;
    return lease !== undefined && lease.token === token && Date.parse(lease.expiresAt) > this.now();
  }

  private async readSecret(ref: StoreRef): Promise<DataRead> {
    const read = await this.client.readData(this.secret(ref));
    this.secrets.set(this.secret(ref), read);
    return read;
  }

  /**
   * The labels. 'fresh': the secret read from Vault (what a consumer sees now). 'hint': the
   * secret and the state as this process last saw them when it has, for a step that then writes
   * with CAS on those versions; `hinted` says whether anything came from memory.
   */
  private async view(ref: StoreRef, mode: 'fresh' | 'hint') {
    const statePath = this.path(ref, 'state');
    const knownState = mode === 'hint' || this.underLease(ref) ? this.docs.peek<VaultState>(statePath) : undefined;
    const knownSecret = mode === 'hint' ? this.secrets.get(this.secret(ref)) : undefined;
    const [doc, read] = await Promise.all([
      knownState ? knownState.doc : this.docs.read<VaultState>(statePath),
      knownSecret ? structuredClone(knownSecret) : this.readSecret(ref),
    ]);
    const hinted = Boolean(knownState) || Boolean(knownSecret);
    const version = read.state === 'missing' ? 0 : read.version;
    const state = settle(doc, version);
    const view = labels(state, read.state === 'present' ? read.version : undefined);
    const latest =
      read.state === 'present'
        ? { state: 'present' as const, version, data: read.data, createdTime: view.current?.info.createdAt ?? '' }
        : { state: read.state, version, data: {}, createdTime: '' };
    return { state, view, latest, hinted };
  }

  /** Record the intent of a promote or rollback, on top of whatever op an earlier crash left (settled first). */
  private async writeOp(ref: StoreRef, from: number, build: (settled: VaultState) => Omit<NonNullable<VaultState['op']>, 'from'>): Promise<void> {
    await this.docs.update<VaultState, void>(this.path(ref, 'state'), (doc) => {
      const s = settle(doc, from);
      return { next: { ...s, op: { ...build(s), from } }, value: undefined };
    });
  }

  /** Write the secret on top of version `from`; a CAS refusal means someone else wrote it meanwhile. */
  private async writeSecret(ref: StoreRef, material: KeyMaterial, from: number): Promise<void> {
    try {
      const version = await this.client.writeData(this.secret(ref), material, from);
      this.secrets.set(this.secret(ref), { state: 'present', version, data: { ...material }, customMetadata: {} });
    } catch (error) {
      this.secrets.delete(this.secret(ref));
      // A retried write whose first attempt landed (the answer was lost) is refused by CAS: ours is there, all is well.
      if (isCasConflict(error)) {
        const now = await this.readSecret(ref);
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

  /** Every folder under the prefix that holds a key's history or state document (data paths, with a trailing slash). */
  private async historyFolders(data: string, metadata: string): Promise<string[]> {
    const keys = await this.client.list(metadata);
    const nested = await Promise.all(keys.filter((k) => k.endsWith('/')).map((k) => this.historyFolders(`${data}${k}`, `${metadata}${k}`)));
    const here = keys.includes('history') || keys.includes('state') ? [data] : [];
    return [...here, ...nested.flat()];
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

function sameEntry(a: HistoryEntry, b: HistoryEntry): boolean {
  return a.rotationId === b.rotationId && a.outcome === b.outcome;
}

/** The history document's entries with the recent ones (newer) on top: one entry per rotation and outcome, newest last. */
function mergeHistory(kept: HistoryEntry[], recent: HistoryEntry[], limit: number): HistoryEntry[] {
  const list = [...kept];
  for (const entry of recent) {
    const index = list.findIndex((h) => sameEntry(h, entry));
    if (index >= 0) list[index] = entry;
    else list.push(entry);
  }
  return list.slice(-limit);
}

function withoutLease(doc: VaultState): VaultState {
  const { lease: _released, ...rest } = doc;
  return rest;
}

function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`a lease needs a positive ttl, got ${ttlMs}`);
}
