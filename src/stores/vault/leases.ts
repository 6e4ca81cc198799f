/**
 * The per-key lease, kept in the key's state document and changed by check-and-set like the
 * rest of it. The token (random, per acquisition) is what renew and release compare, so a
 * holder that lost its lease can never extend or drop the next holder's. Which leases this
 * process holds is remembered too: while it holds one, nobody else writes that key's
 * documents, which is what lets the read cache answer from memory.
 */
import { randomBytes } from 'node:crypto';
import { errors, isKeyturnError } from '../../errors.js';
import { Documents, UNCHANGED } from './documents.js';
import { emptyState, type LeaseDoc, type VaultState } from './labels.js';
import type { VaultPaths } from './paths.js';
import type { StoreRef } from '../../model.js';

export class Leases {
  /** state path → token of the lease this process took there (until released or lost) */
  private readonly held = new Map<string, string>();
  /** state path → this process's write count there when a deferred lease was taken, until it is written */
  private readonly unwritten = new Map<string, number>();

  constructor(
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly now: () => number,
  ) {}

  /**
   * Take the lease by check-and-set. `deferWrite`: check it is free on a fresh read and let it
   * ride on the next write of the state document (SecretStore's LeaseOptions); `secure` below
   * writes it if none has come by then. The check runs again on whatever Vault holds when it
   * is written, so a run that lost the race fails that write with ELEASE.
   */
  async take(ref: StoreRef, owner: string, ttlMs: number, deferWrite = false): Promise<LeaseDoc> {
    const path = this.paths.document(ref, 'state');
    const token = randomBytes(16).toString('hex');
    const next = { owner, token, expiresAt: new Date(this.now() + ttlMs).toISOString() };
    const take = (doc: VaultState | undefined): VaultState => {
      const held = doc?.lease;
      if (held && held.owner !== owner && Date.parse(held.expiresAt) > this.now()) {
        throw errors.leaseHeld(ref.key, held.owner, held.expiresAt);
      }
      return { ...(doc ?? emptyState()), lease: next };
    };
    if (deferWrite) {
      await this.docs.read<VaultState>(path);
      const writes = this.docs.writeCount(path);
      if (this.docs.defer<VaultState>(path, take)) {
        this.held.set(path, token);
        this.unwritten.set(path, writes);
        return next;
      }
    }
    await this.docs.update<VaultState, void>(path, (doc) => ({ next: take(doc), value: undefined }));
    this.held.set(path, token);
    return next;
  }

  /** Write a deferred lease now, unless a write of the state document has carried it already. */
  async secure(ref: StoreRef, token: string): Promise<void> {
    const path = this.paths.document(ref, 'state');
    const writes = this.unwritten.get(path);
    if (writes === undefined || this.held.get(path) !== token) return;
    if (this.docs.writeCount(path) === writes) await this.lost(ref, () => this.docs.flush(path));
    this.unwritten.delete(path);
  }

  /** A write that fails with ELEASE (the take re-checked on Vault's document): nothing deferred under it may land. */
  private async lost<T>(ref: StoreRef, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isKeyturnError(error) && error.code === 'ELEASE') this.forget(ref);
      throw error;
    }
  }

  /** Drop what this process remembers and deferred of the key's state: its lease is someone else's. */
  forget(ref: StoreRef): void {
    const path = this.paths.document(ref, 'state');
    this.held.delete(path);
    this.unwritten.delete(path);
    this.docs.discard(path);
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
    const writes = this.unwritten.get(path);
    if (this.held.get(path) === token && writes !== undefined && this.docs.writeCount(path) === writes) {
      // taken with deferWrite and never written: there is nothing in Vault to remove
      this.forget(ref);
      return;
    }
    if (this.held.get(path) === token) this.held.delete(path);
    this.unwritten.delete(path);
    try {
      await this.docs.update<VaultState, void>(path, (doc) => ({
        next: doc?.lease?.token === token ? withoutLease(doc) : UNCHANGED,
        value: undefined,
      }));
    } catch (error) {
      // a deferred take that lost the race: the lease was never ours, and nothing deferred under it lands
      if (!(isKeyturnError(error) && error.code === 'ELEASE')) throw error;
      this.forget(ref);
    }
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
    // asked before most reads and writes: a glance, not a copy of the document
    const lease = token === undefined ? undefined : this.docs.glance<VaultState, LeaseDoc | undefined>(path, (doc) => doc?.lease);
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
