/**
 * The per-key lease, kept in the key's state document and changed by check-and-set like the
 * rest of it. The token (random, per acquisition) is what renew and release compare, so a
 * holder that lost its lease can never extend or drop the next holder's. Which leases this
 * process holds is remembered too: while it holds one, nobody else writes that key's
 * documents, which is what lets the read cache answer from memory.
 */
import { randomBytes } from 'node:crypto';
import { errors } from '../../errors.js';
import { Documents, UNCHANGED } from './documents.js';
import { emptyState, type LeaseDoc, type VaultState } from './labels.js';
import type { VaultPaths } from './paths.js';
import type { StoreRef } from '../../model.js';

export class Leases {
  /** state path → token of the lease this process took there (until released or lost) */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly now: () => number,
  ) {}

  async take(ref: StoreRef, owner: string, ttlMs: number): Promise<LeaseDoc> {
    const path = this.paths.document(ref, 'state');
    const token = randomBytes(16).toString('hex');
    const taken = await this.docs.update<VaultState, LeaseDoc>(path, (doc) => {
      const held = doc?.lease;
      if (held && held.owner !== owner && Date.parse(held.expiresAt) > this.now()) {
        throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
      }
      const next = { owner, token, expiresAt: new Date(this.now() + ttlMs).toISOString() };
      return { next: { ...(doc ?? emptyState()), lease: next }, value: next };
    });
    this.held.set(path, token);
    return taken;
  }

  /** Extend our lease; throws ELEASE when the token no longer matches (it expired and someone took it, or it was broken). */
  renew(ref: StoreRef, token: string, ttlMs: number): Promise<string> {
    return this.docs.update<VaultState, string>(this.paths.document(ref, 'state'), (doc) => {
      const held = doc?.lease;
      if (!doc || held?.token !== token) {
        if (held && Date.parse(held.expiresAt) > this.now()) throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
        throw errors.leaseLost(ref.key);
      }
      const expiresAt = new Date(this.now() + ttlMs).toISOString();
      return { next: { ...doc, lease: { ...held, expiresAt } }, value: expiresAt };
    });
  }

  /** Remove the lease if `token` still holds it; otherwise nothing (idempotent). */
  async release(ref: StoreRef, token: string): Promise<void> {
    const path = this.paths.document(ref, 'state');
    if (this.held.get(path) === token) this.held.delete(path);
    await this.docs.update<VaultState, void>(path, (doc) => ({
      next: doc?.lease?.token === token ? withoutLease(doc) : UNCHANGED,
      value: undefined,
    }));
  }

  /** Remove the lease if `owner` still holds it (the engine found that owner's process dead). */
  async break(ref: StoreRef, owner: string): Promise<void> {
    const path = this.paths.document(ref, 'state');
    await this.docs.update<VaultState, void>(path, (doc) => ({
      next: doc?.lease?.owner === owner ? withoutLease(doc) : UNCHANGED,
      value: undefined,
    }));
  }

  /**
   * While this process holds the key's lease: a check that the state document still carries our
   * lease, for a deferred change re-applied to a fresh read (it throws ELEASE when the lease was
   * lost, so nothing acknowledged under it lands in someone else's rotation). Undefined otherwise.
   */
  guard(ref: StoreRef): ((doc: VaultState | undefined) => void) | undefined {
    if (!this.holds(ref)) return undefined;
    const token = this.held.get(this.paths.document(ref, 'state'));
    return (doc) => {
      if (doc?.lease?.token !== token) throw errors.leaseLost(ref.key);
    };
  }

  /** Whether this process holds the key's lease, by the state document as it last wrote or read it. */
  holds(ref: StoreRef): boolean {
    const path = this.paths.document(ref, 'state');
    const token = this.held.get(path);
    const lease = token === undefined ? undefined : this.docs.peek<VaultState>(path)?.doc?.lease;
    return lease !== undefined && lease.token === token && Date.parse(lease.expiresAt) > this.now();
  }
}

export function checkTtl(ttlMs: number): void {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw errors.store(`a lease needs a positive ttl, got ${ttlMs}`);
}

function withoutLease(doc: VaultState): VaultState {
  const { lease: _released, ...rest } = doc;
  return rest;
}
