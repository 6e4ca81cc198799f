/**
 * The label moves on a key's versions: stage, promote, roll back, and reading CURRENT,
 * PENDING and PREVIOUS back. CURRENT is the secret's latest KV v2 version, so a consumer
 * reading "latest" only ever sees a promoted key; PENDING waits in a keyturn-owned document
 * beside it, removed with all its versions once promoted or dropped. labels.ts decides what
 * the labels are; this module reads and writes Vault to move them.
 */
import { isDeepStrictEqual } from 'node:util';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import type { StoredVersion } from '../types.js';
import type { VaultClient } from './client.js';
import { Documents, UNCHANGED } from './documents.js';
import { isCasConflict } from './errors.js';
import { settle, type VaultState, type VersionInfo } from './labels.js';
import type { VaultPaths } from './paths.js';
import type { ReadCache } from './read-cache.js';
import type { KeyMaterial, StoreRef } from '../../model.js';

export interface NewVersion {
  keyId: string;
  material: KeyMaterial;
  meta?: Record<string, string>;
}

interface PendingDoc extends VersionInfo {
  material: KeyMaterial;
}

type Op = NonNullable<VaultState['op']>;

export class Versions {
  constructor(
    private readonly client: VaultClient,
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly cache: ReadCache,
    private readonly now: () => number,
  ) {}

  async current(ref: StoreRef): Promise<StoredVersion | undefined> {
    const { view, latest } = await this.cache.view(ref, 'fresh');
    if (!view.current || latest.state !== 'present') return undefined;
    return toStored(view.current.info, latest.data, latest.createdTime);
  }

  async pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    const pending = await this.cache.ownDoc<PendingDoc>(ref, 'pending');
    if (!pending) return undefined;
    // promoted, but the pending document not yet removed (a crash in between): it is CURRENT, not PENDING
    const { view } = await this.cache.view(ref, 'fresh');
    if (view.current?.info.rotationId === pending.rotationId) return undefined;
    return toStored(pending, pending.material, pending.createdAt);
  }

  async previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    const { view } = await this.cache.view(ref, 'fresh');
    if (!view.previous) return undefined;
    const read = await this.client.readData(this.paths.secret(ref), view.previous.version);
    return read.state === 'present' ? toStored(view.previous.info, read.data, view.previous.info.createdAt) : undefined;
  }

  async stage(ref: StoreRef, rotationId: string, version: NewVersion): Promise<void> {
    // stage writes only the pending document: the secret's labels from a hint decide nothing
    // unless they say this rotation is CURRENT already, which is then confirmed on a fresh read
    const hint = await this.cache.view(ref, 'hint');
    let { view, latest } = hint;
    if (hint.hinted && view.current?.info.rotationId === rotationId) ({ view, latest } = await this.cache.view(ref, 'fresh'));
    if (view.current?.info.rotationId === rotationId) {
      if (latest.state === 'present' && isDeepStrictEqual(stringMap(latest.data), version.material)) return;
      throw errors.stageConflict(ref.key, rotationId);
    }
    const createdAt = new Date(this.now()).toISOString();
    const meta = { ...(version.meta ?? {}) };
    const doc: PendingDoc = { rotationId, keyId: version.keyId, meta, createdAt, material: { ...version.material } };
    await this.docs.update<PendingDoc, void>(this.paths.document(ref, 'pending'), (existing) => {
      if (existing?.rotationId === rotationId) {
        if (isDeepStrictEqual(existing.material, doc.material)) return { next: UNCHANGED, value: undefined };
        throw errors.stageConflict(ref.key, rotationId);
      }
      return { next: doc, value: undefined };
    });
  }

  async promote(ref: StoreRef, rotationId: string): Promise<void> {
    const pendingPath = this.paths.document(ref, 'pending');
    // Usually stage just wrote the pending document and this process last read or wrote the
    // secret: both are known, and promote costs three writes (intent, secret with CAS, removal).
    // Only a decision not to write (already CURRENT, nothing pending) goes back to Vault first.
    let pending = this.docs.peek<PendingDoc>(pendingPath)?.doc;
    let seen = await this.cache.view(ref, 'hint');
    if (seen.view.current?.info.rotationId === rotationId || pending?.rotationId !== rotationId) {
      [pending, seen] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.cache.view(ref, 'fresh')]);
    }
    const { view, latest } = seen;
    if (view.current?.info.rotationId === rotationId) {
      if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
      return;
    }
    if (pending?.rotationId !== rotationId) {
      throw errors.notPendingVersion(ref.key, rotationId);
    }
    const from = latest.version;
    const present = latest.state === 'present';
    const info: VersionInfo = { rotationId, keyId: pending.keyId, meta: pending.meta, createdAt: pending.createdAt };
    // the chain is built from the state document the CAS write lands on, not from the hint
    await this.writeOp(ref, from, (s) => ({
      kind: 'promote',
      rotationId,
      info,
      chain: [...(present ? s.chain : s.chain.slice(0, -1)), from + 1],
    }));
    // A version that moved since this process last saw it means someone else wrote the secret
    // during the rotation: the CAS refusal fails the promote (another writer in flight), the
    // same as a write landing between a fresh read and the write.
    await this.writeSecret(ref, pending.material, from);
    await this.docs.remove(pendingPath);
  }

  async rollback(ref: StoreRef, rotationId: string): Promise<void> {
    const pendingPath = this.paths.document(ref, 'pending');
    // rollback is the rare path: it decides on fresh reads
    const [pending, { state, view, latest }] = await Promise.all([this.docs.read<PendingDoc>(pendingPath), this.cache.view(ref, 'fresh')]);
    if (view.current?.info.rotationId !== rotationId) {
      if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
      return;
    }
    const restore = view.previous;
    if (!restore) {
      // the first rotation undone: nothing verified remains, so no version may be latest
      await this.client.changeVersions(this.paths.secretDelete(ref), [latest.version]);
      this.cache.rememberSecret(ref, { state: 'deleted', version: latest.version });
      await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
        const s = settle(doc, latest.version);
        s.chain = [];
        return { next: s, value: undefined };
      });
    } else {
      const old = await this.client.readData(this.paths.secret(ref), restore.version);
      if (old.state !== 'present') {
        const message = `cannot roll back ${ref.key}: its previous version ${restore.version} is gone from Vault`;
        throw new KeyturnError('ESTORE', message, ExitCode.needsAttention, {
          hint: 'raise max_versions on the secret; restore the old key by hand',
        });
      }
      const chain = [...state.chain.slice(0, -2), latest.version + 1];
      await this.writeOp(ref, latest.version, () => ({
        kind: 'rollback',
        rotationId: restore.info.rotationId,
        info: restore.info,
        chain,
      }));
      await this.writeSecret(ref, stringMap(old.data), latest.version);
    }
    if (pending?.rotationId === rotationId) await this.docs.remove(pendingPath);
  }

  /** Record the intent of a promote or rollback, on top of whatever op an earlier crash left (settled first). */
  private async writeOp(ref: StoreRef, from: number, build: (settled: VaultState) => Omit<Op, 'from'>): Promise<void> {
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      const s = settle(doc, from);
      return { next: { ...s, op: { ...build(s), from } }, value: undefined };
    });
  }

  /** Write the secret on top of version `from`; a CAS refusal means someone else wrote it meanwhile. */
  private async writeSecret(ref: StoreRef, material: KeyMaterial, from: number): Promise<void> {
    try {
      const version = await this.client.writeData(this.paths.secret(ref), material, from);
      this.cache.rememberSecret(ref, { state: 'present', version, data: { ...material }, customMetadata: {} });
    } catch (error) {
      this.cache.forgetSecret(ref);
      // A retried write whose first attempt landed (the answer was lost) is refused by CAS: ours is there, all is well.
      if (isCasConflict(error)) {
        const now = await this.cache.readSecret(ref);
        if (now.state === 'present' && now.version === from + 1 && isDeepStrictEqual(stringMap(now.data), material)) return;
        // someone else's version sits where ours would have: the intent must not claim it
        await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
          if (doc?.op?.from !== from) return { next: UNCHANGED, value: undefined };
          const { op: _dropped, ...rest } = doc;
          return { next: rest, value: undefined };
        });
      }
      throw error;
    }
  }
}

function toStored(info: VersionInfo, data: Record<string, unknown>, createdAt: string): StoredVersion {
  const { rotationId, keyId } = info;
  return { rotationId, keyId, material: stringMap(data), createdAt: info.createdAt || createdAt, meta: { ...info.meta } };
}

/** Vault hands back JSON values; a key's material is strings. */
function stringMap(data: Record<string, unknown>): KeyMaterial {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}
