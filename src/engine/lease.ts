/**
 * The per-key lease lives in the store (compare-and-set), so one rotation per key holds
 * across processes and machines. A long rotation renews it; a lease left by a process
 * that was killed on this host is broken at once instead of waiting for its expiry.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { isKeyturnError } from '../errors.js';
import type { Lease, SecretStore } from '../stores/types.js';
import type { StoreRef } from '../model.js';

export interface HeldLease {
  lease: Lease;
  release(): Promise<void>;
}

/** host:pid:nonce — enough to tell whether the holder still runs on this host. */
export function leaseOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export async function acquireLease(store: SecretStore, ref: StoreRef, owner: string, ttlMs: number): Promise<HeldLease> {
  let lease: Lease;
  try {
    lease = await store.lease(ref, owner, ttlMs);
  } catch (error) {
    const holder = isKeyturnError(error) && error.code === 'ELEASE' ? String(error.details.owner ?? '') : '';
    if (!holder || !holderIsDead(holder)) throw error;
    await store.breakLease(ref, holder);
    lease = await store.lease(ref, owner, ttlMs);
  }
  // Renew well before expiry; unref so a pending renewal never keeps the process alive.
  const timer = setInterval(
    () => {
      lease.renew(ttlMs).catch(() => undefined);
    },
    Math.max(1000, Math.floor(ttlMs / 3)),
  );
  timer.unref();
  return {
    lease,
    release: async () => {
      clearInterval(timer);
      await lease.release();
    },
  };
}

/** The holder was a process on this host that no longer exists (it was killed). */
export function holderIsDead(holder: string): boolean {
  const [host, pidText] = holder.split(':');
  const pid = Number(pidText);
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
