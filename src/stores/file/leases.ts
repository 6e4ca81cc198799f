/**
 * The per-key lease as a compare-and-set on the entry: the file mutex makes each of these
 * atomic across processes. The token (random, per acquisition) is what renew and release
 * compare, so a holder that lost its lease can never extend or drop the next holder's.
 */
import { errors } from '../../errors.js';
import type { LeaseRecord, SecretEntry } from './document.js';

export function takeLease(entry: SecretEntry, key: string, owner: string, token: string, ttlMs: number, now: number): LeaseRecord {
  const held = entry.lease;
  if (held && held.owner !== owner && Date.parse(held.expiresAt) > now) throw errors.leaseHeld(key, held.owner, held.expiresAt);
  const lease = { owner, token, expiresAt: new Date(now + ttlMs).toISOString() };
  entry.lease = lease;
  return lease;
}

/** Extend our lease; throws ELEASE when the token no longer matches (it expired and someone took it, or it was broken). */
export function renewLease(entry: SecretEntry, key: string, token: string, ttlMs: number, now: number): string {
  const held = entry.lease;
  if (!held || held.token !== token) {
    if (held && Date.parse(held.expiresAt) > now) throw errors.leaseHeld(key, held.owner, held.expiresAt);
    throw errors.leaseLost(key);
  }
  const expiresAt = new Date(now + ttlMs).toISOString();
  entry.lease = { ...held, expiresAt };
  return expiresAt;
}

/** Remove the lease if `token` still holds it; otherwise nothing (idempotent). */
export function releaseLease(entry: SecretEntry, token: string): boolean {
  if (entry.lease?.token !== token) return false;
  delete entry.lease;
  return true;
}

/** Remove the lease if `owner` still holds it (the engine found that owner's process dead). */
export function breakLease(entry: SecretEntry, owner: string): boolean {
  if (entry.lease?.owner !== owner) return false;
  delete entry.lease;
  return true;
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`a lease needs a positive ttl, got ${ttlMs}`);
}
