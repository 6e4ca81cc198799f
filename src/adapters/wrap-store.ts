/**
 * wrapStore: what every SecretStore gets when the registry opens it, so no store does it
 * itself: its shape checked, a failpoint `store.<method>` (narrowed by the key) before every
 * method and before its lease's renew (`store.renewLease`), release (`store.releaseLease`) and secure (`store.secureLease`),
 * mutations refused in a dry run, and its name on every error that leaves it.
 */
import type { Lease, SecretStore } from '../stores/types.js';
import type { StoreRef } from '../model.js';
import { guarded, refusedInDryRun, tagSync } from './guard.js';
import { overlay } from './overlay.js';
import { checkShape } from './shape.js';

const READS = ['current', 'pending', 'previous', 'rotation', 'history', 'journal', 'leaseHolder'] as const;
const MUTATIONS = ['stage', 'promote', 'rollback', 'record', 'appendHistory', 'writeJournal', 'lease', 'breakLease'] as const;
const REQUIRED = ['describe', ...READS, ...MUTATIONS, 'close'];

export interface WrapStoreOptions {
  /** refuse every mutation: the run only reads (plan, status, audit, --dry-run) */
  dryRun?: boolean;
}

export function wrapStore(name: string, store: SecretStore, options: WrapStoreOptions = {}): SecretStore {
  const adapter = `store ${name}`;
  checkShape(adapter, store, REQUIRED);
  const read = <T>(method: string, ref: StoreRef | undefined, call: () => Promise<T>) =>
    guarded(adapter, `store.${method}`, ref?.key, call);
  const mutate = <T>(method: string, ref: StoreRef, call: () => Promise<T>) =>
    options.dryRun ? Promise.reject(refusedInDryRun(adapter, method)) : guarded(adapter, `store.${method}`, ref.key, call);
  const replaced: Partial<SecretStore> = {
    describe: (ref) => tagSync(adapter, () => store.describe(ref)),
    current: (ref) => read('current', ref, () => store.current(ref)),
    pending: (ref) => read('pending', ref, () => store.pending(ref)),
    previous: (ref) => read('previous', ref, () => store.previous(ref)),
    rotation: (ref) => read('rotation', ref, () => store.rotation(ref)),
    history: (ref) => read('history', ref, () => store.history(ref)),
    journal: (ref) => read('journal', ref, () => store.journal(ref)),
    leaseHolder: (ref) => read('leaseHolder', ref, () => store.leaseHolder(ref)),
    stage: (ref, rotationId, version) => mutate('stage', ref, () => store.stage(ref, rotationId, version)),
    promote: (ref, rotationId) => mutate('promote', ref, () => store.promote(ref, rotationId)),
    rollback: (ref, rotationId) => mutate('rollback', ref, () => store.rollback(ref, rotationId)),
    record: (ref, patch) => mutate('record', ref, () => store.record(ref, patch)),
    appendHistory: (ref, entry) => mutate('appendHistory', ref, () => store.appendHistory(ref, entry)),
    writeJournal: (ref, entry) => mutate('writeJournal', ref, () => store.writeJournal(ref, entry)),
    lease: (ref, owner, ttlMs, leaseOptions) =>
      mutate('lease', ref, () => store.lease(ref, owner, ttlMs, leaseOptions).then((taken) => wrapLease(adapter, ref, taken))),
    breakLease: (ref, owner) => mutate('breakLease', ref, () => store.breakLease(ref, owner)),
    close: () => read('close', undefined, () => store.close()),
  };
  return overlay(store, replaced);
}

/** The lease stays the store's own object underneath: the store moves its expiresAt on renew. */
function wrapLease(adapter: string, ref: StoreRef, lease: Lease): Lease {
  checkShape(`the lease of ${adapter}`, lease, ['renew', 'release']);
  return overlay(lease, {
    renew: (ttlMs: number) => guarded(adapter, 'store.renewLease', ref.key, () => lease.renew(ttlMs)),
    release: () => guarded(adapter, 'store.releaseLease', ref.key, () => lease.release()),
    ...(lease.secure ? { secure: () => guarded(adapter, 'store.secureLease', ref.key, () => lease.secure!()) } : {}),
  });
}
