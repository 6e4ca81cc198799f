/**
 * Requests are the cost of a rotation, so what this process itself read or wrote is
 * remembered: the secret as last seen is a hint for check-and-set writes (a stale one is
 * refused by Vault, never overwrites), and while this process holds a key's lease — nobody
 * else writes keyturn's documents then — its reads of them are served from what it last saw.
 */
import type { DataRead, VaultClient } from './client.js';
import { UNCHANGED, type Documents } from './documents.js';
import { foldPending, labels, settle, type Labels, type LatestSeen, type VaultState } from './labels.js';
import type { Leases } from './leases.js';
import type { VaultPaths } from './paths.js';
import type { StoreRef } from '../../model.js';

/** The secret's latest version as a view reports it: data only when it is present. */
export type LatestVersion =
  | { state: 'present'; version: number; data: Record<string, unknown>; createdTime: string }
  | { state: 'missing' | 'deleted'; version: number; data: Record<string, never>; createdTime: '' };

export interface SecretView {
  /** the state document with any finished or abandoned op folded in */
  state: VaultState;
  view: Labels;
  latest: LatestVersion;
  /** whether the state or the secret came from memory rather than from Vault */
  hinted: boolean;
}

export class ReadCache {
  /** the secret as this process last read or wrote it: a CAS hint, never a reason not to write */
  private readonly secrets = new Map<string, DataRead>();

  constructor(
    private readonly client: VaultClient,
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly leases: Leases,
  ) {}

  /**
   * keyturn's own document: from what this process last saw while it holds the key's lease
   * (only the holder writes keyturn's documents then), else read from Vault.
   */
  async ownDoc<T>(ref: StoreRef, doc: 'state' | 'pending'): Promise<T | undefined> {
    // 'pending': the document an earlier keyturn kept PENDING in (labels.ts, `layout`)
    const path = this.paths.document(ref, doc);
    const seen = this.leases.holds(ref) ? this.docs.peek<T>(path) : undefined;
    return seen ? seen.doc : this.docs.read<T>(path);
  }

  async readSecret(ref: StoreRef): Promise<DataRead> {
    const read = await this.client.readData(this.paths.secret(ref));
    this.secrets.set(this.paths.secret(ref), read);
    return read;
  }

  /** What this process just wrote to the secret (or learned of it). */
  rememberSecret(ref: StoreRef, read: DataRead): void {
    this.secrets.set(this.paths.secret(ref), read);
  }

  forgetSecret(ref: StoreRef): void {
    this.secrets.delete(this.paths.secret(ref));
  }

  /** A promoted PENDING (the secret's latest version as `latest` shows it) folded into the state document with its next write. */
  foldLater(ref: StoreRef, latest: LatestSeen): void {
    this.docs.defer<VaultState>(this.paths.document(ref, 'state'), (d) => {
      const folded = d?.pending ? foldPending(structuredClone(d), latest) : undefined;
      return folded && !folded.pending ? folded : UNCHANGED;
    });
  }

  /**
   * The labels. 'fresh': the secret read from Vault (what a consumer sees now). 'hint': the
   * secret and the state as this process last saw them when it has, for a step that then writes
   * with CAS on those versions; `hinted` says whether anything came from memory.
   */
  async view(ref: StoreRef, mode: 'fresh' | 'hint'): Promise<SecretView> {
    const statePath = this.paths.document(ref, 'state');
    const knownState = mode === 'hint' || this.leases.holds(ref) ? this.docs.peek<VaultState>(statePath) : undefined;
    const knownSecret = mode === 'hint' ? this.secrets.get(this.paths.secret(ref)) : undefined;
    const [doc, read] = await Promise.all([
      knownState ? knownState.doc : this.docs.read<VaultState>(statePath),
      knownSecret ? structuredClone(knownSecret) : this.readSecret(ref),
    ]);
    const hinted = Boolean(knownState) || Boolean(knownSecret);
    const version = read.state === 'missing' ? 0 : read.version;
    const latestSeen = { version, data: read.state === 'present' ? read.data : undefined };
    const state = settle(doc, latestSeen);
    // A promoted PENDING still in the document (a crash, or a promote just written): its
    // material leaves with the next write this process makes there, under its lease.
    if (doc?.pending && !state.pending && this.leases.holds(ref)) this.foldLater(ref, latestSeen);
    const view = labels(state, read.state === 'present' ? read.version : undefined);
    const latest: LatestVersion =
      read.state === 'present'
        ? { state: 'present', version, data: read.data, createdTime: view.current?.info.createdAt ?? '' }
        : { state: read.state, version, data: {}, createdTime: '' };
    return { state, view, latest, hinted };
  }
}
