/**
 * The per-key lease lives in the store (compare-and-set), so one rotation per key holds
 * across processes and machines. A long rotation renews it; a lease left by a process
 * that was killed on this host is broken at once instead of waiting for its expiry.
 *
 * The pipeline takes it with `deferWrite`: a store may write it with the first checkpoint,
 * which the engine writes before any effect outside the store. Anything that acts outside
 * the store before that checkpoint (a resumed run's orphan clean-up, the prologue's deletion
 * of an old key) calls `secure()` first.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { isKeyturnError } from '../errors.js';
import type { Lease, LeaseOptions, SecretStore } from '../stores/types.js';
import type { StoreRef } from '../model.js';

export interface HeldLease {
  lease: Lease;
  /** The lease is in the store now (see the module comment); ELEASE when another run took the key. */
  secure(): Promise<void>;
  release(): Promise<void>;
}

/** host:pid:nonce — enough to tell whether the holder still runs on this host. */
export function leaseOwner(): string {
  return `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/** `deferWrite` only for a caller that keeps the promise in the module comment (the rotation pipeline). */
export async function acquireLease(
  store: SecretStore,
  ref: StoreRef,
  owner: string,
  ttlMs: number,
  options: LeaseOptions = {},
): Promise<HeldLease> {
  let lease: Lease;
  try {
    lease = await store.lease(ref, owner, ttlMs, options);
  } catch (error) {
    const holder = isKeyturnError(error) && error.code === 'ELEASE' ? String(error.details.owner ?? '') : '';
    if (!holder || !holderIsDead(holder)) throw error;
    await store.breakLease(ref, holder);
    lease = await store.lease(ref, owner, ttlMs, options);
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
    secure: async () => {
      await lease.secure?.();
    },
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
