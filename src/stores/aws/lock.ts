/**
 * The per-key lease as a create-only lock secret, `keyturn-lock/<secret name>`. CreateSecret
 * answers ResourceExistsException when the name is taken, atomically on AWS (and on moto), so
 * of several takers exactly one wins. The lock's value is {owner, token, expiresAt}.
 * - release / breakLease: read the lock, delete it (ForceDeleteWithoutRecovery) only if it is
 *   still ours / still that owner's.
 * - renew: read, check our token, PutSecretValue with the new expiry.
 * - takeover of an EXPIRED lock: delete it if it is still the expired one we read, then
 *   CreateSecret again (which only one taker wins). Secrets Manager has no conditional delete,
 *   so one window remains: between our read and our delete another taker may have deleted the
 *   same expired lock and created its own, which we then delete. docs/aws.md says why that is
 *   far narrower than the old tag lease.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { awsErrorName } from '../../aws/client-config.js';
import { errors } from '../../errors.js';

export const LOCK_PREFIX = 'keyturn-lock/';

export interface LockValue {
  owner: string;
  token: string;
  expiresAt: string;
}

/** create → (exists) read → (expired) delete → create … at most this many rounds */
const ATTEMPTS = 6;

export class LockSecrets {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly now: () => number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  lockName(secretName: string): string {
    return `${LOCK_PREFIX}${secretName}`;
  }

  /** Take the lock for `owner`, or throw ELEASE naming the live holder. */
  async acquire(name: string, key: string, owner: string, ttlMs: number): Promise<LockValue> {
    let seen: LockValue | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const value: LockValue = { owner, token: randomBytes(16).toString('hex'), expiresAt: new Date(this.now() + ttlMs).toISOString() };
      try {
        // The token is also the ClientRequestToken: an SDK retry of a create that did land is a no-op, not a loss.
        await this.client.send(
          new CreateSecretCommand({
            Name: name,
            ClientRequestToken: value.token,
            SecretString: JSON.stringify(value),
            Description: 'keyturn lease: deleted when the rotation ends; an expired one may be taken over',
            Tags: [{ Key: 'keyturn:lock', Value: 'true' }],
          }),
        );
        return value;
      } catch (error) {
        const code = awsErrorName(error);
        // AWS deletes asynchronously: the name of a just-released lock can be unusable for a moment.
        if (code === 'InvalidRequestException') {
          await this.sleep(100 * 2 ** attempt);
          continue;
        }
        if (code !== 'ResourceExistsException') throw error;
      }
      seen = await this.read(name);
      if (!seen) continue; // released between our create and our read: try again
      const live = Date.parse(seen.expiresAt) > this.now();
      if (live && seen.owner !== owner) throw errors.leaseHeld(key, seen.owner, seen.expiresAt);
      // Expired, or the same owner taking it again: delete that very lock, then race for a new one.
      await this.remove(name);
    }
    throw errors.leaseHeld(key, seen?.owner ?? 'another run', seen?.expiresAt ?? new Date(this.now()).toISOString());
  }

  /** PutSecretValue with a later expiry, only while our token is the lock's. */
  async renew(name: string, key: string, held: LockValue, ttlMs: number): Promise<LockValue> {
    const now = await this.read(name);
    if (now?.token !== held.token) throw errors.leaseHeld(key, now?.owner ?? 'nobody', now?.expiresAt ?? held.expiresAt);
    const next: LockValue = { ...held, expiresAt: new Date(this.now() + ttlMs).toISOString() };
    try {
      await this.client.send(
        new PutSecretValueCommand({
          SecretId: name,
          ClientRequestToken: randomBytes(16).toString('hex'),
          SecretString: JSON.stringify(next),
        }),
      );
    } catch (error) {
      if (awsErrorName(error) === 'ResourceNotFoundException') throw errors.leaseHeld(key, 'nobody', held.expiresAt);
      throw error;
    }
    return next;
  }

  /** Delete the lock if `matches` accepts what it holds now (our token, or a named owner). */
  async removeIf(name: string, matches: (value: LockValue) => boolean): Promise<boolean> {
    const now = await this.read(name);
    if (!now || !matches(now)) return false;
    await this.remove(name);
    return true;
  }

  async read(name: string): Promise<LockValue | undefined> {
    let text: string | undefined;
    try {
      text = (await this.client.send(new GetSecretValueCommand({ SecretId: name, VersionStage: 'AWSCURRENT' }))).SecretString;
    } catch (error) {
      const code = awsErrorName(error);
      // InvalidRequestException: the lock is being deleted, i.e. released
      if (code === 'ResourceNotFoundException' || code === 'InvalidRequestException') return undefined;
      throw error;
    }
    return parseLock(text);
  }

  private async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (awsErrorName(error) !== 'ResourceNotFoundException') throw error;
    }
  }
}

/** A lock value keyturn did not write counts as expired: it can be taken over, never trusted. */
function parseLock(text: string | undefined): LockValue {
  try {
    const v = JSON.parse(text ?? '') as Partial<LockValue>;
    if (
      typeof v.owner === 'string' &&
      typeof v.token === 'string' &&
      typeof v.expiresAt === 'string' &&
      !Number.isNaN(Date.parse(v.expiresAt))
    ) {
      return { owner: v.owner, token: v.token, expiresAt: v.expiresAt };
    }
  } catch {
    // fall through
  }
  return { owner: 'unknown', token: '', expiresAt: new Date(0).toISOString() };
}
