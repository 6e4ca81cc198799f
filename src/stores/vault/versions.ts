/**
 * The label moves on a key's versions: stage, promote, roll back, and reading CURRENT,
 * PENDING and PREVIOUS back. CURRENT is the secret's latest KV v2 version, so a consumer
 * reading "latest" only ever sees a promoted key; PENDING waits in the key's state document
 * with the version it goes on top of, and a promote is the one check-and-set write of the
 * secret (labels.ts folds it in on the next read or write). labels.ts decides what the labels
 * are; this module reads and writes Vault to move them.
 */
import { isDeepStrictEqual } from 'node:util';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import type { StoredVersion } from '../types.js';
import type { VaultClient } from './client.js';
import { Documents, UNCHANGED } from './documents.js';
import { isCasConflict } from './errors.js';
import { emptyState, materialOf, settle, type PendingVersion, type VaultState, type VersionInfo } from './labels.js';
import type { VaultPaths } from './paths.js';
import type { ReadCache, SecretView } from './read-cache.js';
import type { KeyMaterial, StoreRef } from '../../model.js';

export interface NewVersion {
  keyId: string;
  material: KeyMaterial;
  meta?: Record<string, string>;
}

/** PENDING as an earlier keyturn kept it: a document of its own beside the state document. */
interface LegacyPending extends VersionInfo {
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
    const state = await this.cache.ownDoc<VaultState>(ref, 'state');
    const pending = state?.pending ?? (await this.legacy(ref, state));
    if (!pending) return undefined;
    // promoted, and not yet folded into the labels: it is CURRENT, not PENDING
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
    // stage writes only the state document: the secret's labels from a hint decide nothing
    // unless they say this rotation is CURRENT already, which is then confirmed on a fresh read
    const hint = await this.cache.view(ref, 'hint');
    let { view, latest, state } = hint;
    if (hint.hinted && view.current?.info.rotationId === rotationId) ({ view, latest, state } = await this.cache.view(ref, 'fresh'));
    if (view.current?.info.rotationId === rotationId) {
      if (latest.state === 'present' && isDeepStrictEqual(materialOf(latest.data), version.material)) return;
      throw errors.stageConflict(ref.key, rotationId);
    }
    const legacy = await this.legacy(ref, state);
    if (legacy?.rotationId === rotationId && !isDeepStrictEqual(legacy.material, version.material)) {
      throw errors.stageConflict(ref.key, rotationId);
    }
    const staged: PendingVersion = {
      rotationId,
      keyId: version.keyId,
      meta: { ...(version.meta ?? {}) },
      createdAt: new Date(this.now()).toISOString(),
      material: { ...version.material },
      base: baseOf(latest),
    };
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      if (doc?.pending?.rotationId === rotationId) {
        if (isDeepStrictEqual(doc.pending.material, staged.material)) return { next: UNCHANGED, value: undefined };
        throw errors.stageConflict(ref.key, rotationId);
      }
      return { next: { ...(doc ?? emptyState()), layout: 2, pending: staged }, value: undefined };
    });
    if (legacy) await this.docs.remove(this.paths.document(ref, 'pending'));
  }

  async promote(ref: StoreRef, rotationId: string): Promise<void> {
    // Usually stage just wrote PENDING on top of the version this process last read: then the
    // promote is one write. Anything else (already CURRENT, nothing pending, the secret moved
    // since) is decided on a fresh read.
    let seen = await this.cache.view(ref, 'hint');
    if (seen.view.current?.info.rotationId === rotationId || !stagedOnTop(seen, rotationId)) seen = await this.cache.view(ref, 'fresh');
    if (seen.view.current?.info.rotationId === rotationId) return;
    const legacy = seen.state.pending ? undefined : await this.legacy(ref, seen.state);
    const pending = seen.state.pending ?? (legacy && { ...legacy, base: baseOf(seen.latest) });
    if (pending?.rotationId !== rotationId) throw errors.notPendingVersion(ref.key, rotationId);
    const base = baseOf(seen.latest);
    if (legacy || !isDeepStrictEqual(pending.base, base)) {
      // the secret moved since stage (someone wrote it), or PENDING is in an earlier keyturn's
      // document: it goes on top of the version there now, recorded before the secret is written
      await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
        if (doc?.pending && doc.pending.rotationId !== rotationId) throw errors.notPendingVersion(ref.key, rotationId);
        return { next: { ...(doc ?? emptyState()), layout: 2, pending: { ...pending, base } }, value: undefined };
      });
      if (legacy) await this.docs.remove(this.paths.document(ref, 'pending'));
    }
    // A version that moved since this process last saw it means someone else wrote the secret
    // during the rotation: the CAS refusal fails the promote (another writer in flight).
    await this.writeSecret(ref, pending.material, base.version);
    // the state document learns it with its next write (a reader meanwhile sees it from the secret)
    this.cache.foldLater(ref, { version: base.version + 1, data: { ...pending.material } });
  }

  async rollback(ref: StoreRef, rotationId: string): Promise<void> {
    // rollback is the rare path: it decides on fresh reads
    const fresh = await this.cache.view(ref, 'fresh');
    const { state, view, latest } = fresh;
    const legacy = await this.legacy(ref, state);
    if (view.current?.info.rotationId === rotationId) {
      const restore = view.previous;
      if (!restore) {
        // the first rotation undone: nothing verified remains, so no version may be latest
        await this.client.changeVersions(this.paths.secretDelete(ref), [latest.version]);
        this.cache.rememberSecret(ref, { state: 'deleted', version: latest.version });
        await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
          const s = settle(doc, seenOf(latest));
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
        await this.writeOp(ref, fresh, () => ({ kind: 'rollback', rotationId: restore.info.rotationId, info: restore.info, chain }));
        await this.writeSecret(ref, materialOf(old.data), latest.version);
      }
    }
    // a PENDING of this rotation that never became CURRENT is dropped
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      if (doc?.pending?.rotationId !== rotationId) return { next: UNCHANGED, value: undefined };
      const { pending: _dropped, ...rest } = doc;
      return { next: rest, value: undefined };
    });
    if (legacy?.rotationId === rotationId) await this.docs.remove(this.paths.document(ref, 'pending'));
  }

  /** PENDING in the document of its own an earlier keyturn kept it in; only read for a state document that keyturn wrote. */
  private async legacy(ref: StoreRef, state: VaultState | undefined): Promise<LegacyPending | undefined> {
    if (!state || state.layout === 2) return undefined;
    return this.cache.ownDoc<LegacyPending>(ref, 'pending');
  }

  /** Record the intent of a rollback, on top of whatever op an earlier crash left (settled first). */
  private async writeOp(ref: StoreRef, seen: SecretView, build: (settled: VaultState) => Omit<Op, 'from'>): Promise<void> {
    const from = seen.latest.version;
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      const s = settle(doc, seenOf(seen.latest));
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
        if (now.state === 'present' && now.version === from + 1 && isDeepStrictEqual(materialOf(now.data), material)) return;
        // someone else's version sits where ours would have: a rollback's intent must not claim it
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

/** The version a write goes on top of, as the secret is now. */
function baseOf(latest: SecretView['latest']): PendingVersion['base'] {
  return { version: latest.version, present: latest.state === 'present' };
}

function seenOf(latest: SecretView['latest']): { version: number; data?: Record<string, unknown> } {
  return { version: latest.version, data: latest.state === 'present' ? latest.data : undefined };
}

/** PENDING of this rotation sits on top of the secret's latest version as this view shows it. */
function stagedOnTop(seen: SecretView, rotationId: string): boolean {
  const p = seen.state.pending;
  return p?.rotationId === rotationId && isDeepStrictEqual(p.base, baseOf(seen.latest));
}

function toStored(info: VersionInfo, data: Record<string, unknown>, createdAt: string): StoredVersion {
  const { rotationId, keyId } = info;
  return { rotationId, keyId, material: materialOf(data), createdAt: info.createdAt || createdAt, meta: { ...info.meta } };
}
