/**
 * CURRENT / PENDING / PREVIOUS emulated on a KV v2 secret's versions. The secret's latest
 * version is CURRENT (what every consumer reads); keyturn's state document says which rotation
 * wrote each version, the order in which versions became CURRENT, and holds PENDING: the
 * staged material with the version it will be written on top of (`base`). A promote is then
 * one write, the secret with CAS on `base`: whoever reads later sees from the secret's version
 * and content whether it landed, and folds PENDING into the labels (`settle`). A rollback,
 * the rare path, records its intent first (`op`) and then writes the secret.
 */
import { isDeepStrictEqual } from 'node:util';
import type { HistoryEntry, JournalEntry, KeyMaterial, RotationRecord } from '../../model.js';

export interface VersionInfo {
  rotationId: string;
  keyId: string;
  meta: Record<string, string>;
  createdAt: string;
}

/** The staged version, and the secret's latest version when it was staged: the promote writes on top of that one. */
export interface PendingVersion extends VersionInfo {
  material: KeyMaterial;
  base: { version: number; present: boolean };
}

export interface VaultState {
  /**
   * 2: PENDING lives in this document. Absent on a document an earlier keyturn wrote, which kept
   * PENDING in a document of its own beside it (read, and moved here, by versions.ts).
   */
  layout?: 2;
  pending?: PendingVersion;
  /** Vault version number → the rotation that wrote it */
  index: Record<string, VersionInfo>;
  /** versions in the order they became CURRENT; the last is CURRENT while the secret's latest is it */
  chain: number[];
  op?: { kind: 'promote' | 'rollback'; rotationId: string; from: number; info: VersionInfo; chain: number[] };
  record: RotationRecord;
  /**
   * The journal and the lease live in this same document: a rotation changes them at every
   * checkpoint, and one document means one CAS write each and one read for all of them when a
   * run starts. A journal or record write by a process that lost the lease meets a moved
   * version; the change is re-applied on a fresh read, the same as when they were separate.
   */
  journal?: JournalEntry;
  lease?: LeaseDoc;
  /**
   * The newest history entries, not yet moved to the history document: appending one is then
   * a write of this document, whose version the run knows, instead of a read and a write of
   * another. Moved over in a batch when there are more than a few.
   */
  recent?: HistoryEntry[];
}

export interface LeaseDoc {
  owner: string;
  token: string;
  expiresAt: string;
}

/** versions remembered in the index: Vault keeps 10 by default, rollback needs two */
const KEEP_INDEX = 10;

export const emptyState = (): VaultState => ({ layout: 2, index: {}, chain: [], record: {} });

/** The secret's latest version as read: its number (0: none) and, when it is readable, its data. */
export interface LatestSeen {
  version: number;
  data?: Record<string, unknown>;
}

/** The state with a finished or abandoned op, and a promoted PENDING, folded in. */
export function settle(state: VaultState | undefined, latest: LatestSeen): VaultState {
  const s = foldPending(structuredClone(state ?? emptyState()), latest);
  const op = s.op;
  if (op) {
    delete s.op;
    if (latest.version === op.from + 1) {
      s.index[String(latest.version)] = op.info;
      s.chain = op.chain;
    }
  }
  const keep = new Set(s.chain.slice(-KEEP_INDEX).map(String));
  for (const v of Object.keys(s.index)) if (!keep.has(v)) delete s.index[v];
  s.chain = s.chain.slice(-KEEP_INDEX);
  return s;
}

/**
 * PENDING became the latest version: the version right on top of its base, holding its material
 * (a version written there by someone else, a person's `vault kv put`, is not ours). It is then
 * CURRENT, and its material leaves the state document. Safe to apply again to a later read.
 */
export function foldPending(s: VaultState, latest: LatestSeen): VaultState {
  const p = s.pending;
  if (!p || latest.version !== p.base.version + 1 || !latest.data || !isDeepStrictEqual(materialOf(latest.data), p.material)) return s;
  const { material: _material, base, ...info } = p;
  delete s.pending;
  s.index[String(latest.version)] = info;
  s.chain = [...(base.present ? s.chain : s.chain.slice(0, -1)), latest.version];
  return s;
}

/** Vault hands back JSON values; a key's material is strings. */
export function materialOf(data: Record<string, unknown>): KeyMaterial {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
}

export interface Labels {
  /** the version CURRENT is, when the latest version exists */
  current?: { version: number; info: VersionInfo };
  previous?: { version: number; info: VersionInfo };
}

/**
 * The labels for a settled state and the secret's latest readable version (undefined when the
 * secret is missing or its latest version is deleted). A latest version keyturn did not write
 * (a person's `vault kv put`) is still CURRENT; it has no rotation of keyturn's.
 */
export function labels(state: VaultState, latest: number | undefined): Labels {
  if (latest === undefined) return {};
  const info = state.index[String(latest)] ?? { rotationId: `vault-v${latest}`, keyId: `vault-v${latest}`, meta: {}, createdAt: '' };
  const ours = state.chain.at(-1) === latest;
  const previousVersion = ours ? state.chain.at(-2) : state.chain.at(-1);
  const previousInfo = previousVersion === undefined ? undefined : state.index[String(previousVersion)];
  return {
    current: { version: latest, info },
    previous: previousVersion !== undefined && previousInfo ? { version: previousVersion, info: previousInfo } : undefined,
  };
}
