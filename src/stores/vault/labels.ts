import type { HistoryEntry, JournalEntry, RotationRecord } from '../../model.js';
/**
 * CURRENT / PREVIOUS emulated on a KV v2 secret's versions. The secret's latest version is
 * CURRENT (what every consumer reads); keyturn's state document says which rotation wrote
 * each version and the order in which versions became CURRENT. A promote or rollback first
 * records its intent (`op`: the version it will write on top of), then writes the secret with
 * CAS; whoever reads later sees from the secret's version whether the write happened, so a
 * crash between the two never leaves the labels wrong.
 */

export interface VersionInfo {
  rotationId: string;
  keyId: string;
  meta: Record<string, string>;
  createdAt: string;
}

export interface VaultState {
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

export const emptyState = (): VaultState => ({ index: {}, chain: [], record: {} });

/** The state with a finished or abandoned op folded in, given the secret's latest version number (0: none). */
export function settle(state: VaultState | undefined, latest: number): VaultState {
  const s = structuredClone(state ?? emptyState());
  const op = s.op;
  if (op) {
    delete s.op;
    if (latest === op.from + 1) {
      s.index[String(latest)] = op.info;
      s.chain = op.chain;
    }
  }
  const keep = new Set(s.chain.slice(-KEEP_INDEX).map(String));
  for (const v of Object.keys(s.index)) if (!keep.has(v)) delete s.index[v];
  s.chain = s.chain.slice(-KEEP_INDEX);
  return s;
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
