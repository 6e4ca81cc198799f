/**
 * `keyturn audit --delete-unknown`: the keys an issuer lists on an account that rotation.yaml
 * and the store do not account for ("keys you did not create": treat them as theft), and
 * their deletion. A key whose name carries the rotation id of a rotation in flight on that
 * account is the create of that rotation, not a stranger, and is left alone.
 */
import type { Config, KeyConfig } from '../config/types.js';
import { newRotationId } from '../context.js';
import { messageOf } from '../errors.js';
import type { IssuerContext, KeyInfo } from '../issuers/types.js';
import { refOf } from '../model.js';
import type { Resources } from '../resources.js';
import { accountOf, groupByAccount, keysInStore } from './live.js';

export interface UnknownKey {
  issuer: string;
  account: string;
  keyId: string;
  name?: string;
  createdAt?: string;
  /** a key of rotation.yaml on the same account: the issuer is asked through it, its history records the deletion */
  via: KeyConfig;
}

export interface Deletion extends Omit<UnknownKey, 'via'> {
  recordedIn: string;
  deleted: boolean;
  /** the issuer proved the key dead (isDead) */
  proven?: boolean;
  error?: string;
}

export const UNKNOWN_KEY_REASON = 'unknown key';

export async function findUnknownKeys(config: Config, res: Resources): Promise<UnknownKey[]> {
  const out: UnknownKey[] = [];
  for (const keys of groupByAccount(config.keys).values()) {
    const sorted = [...keys].sort((a, b) => a.id.localeCompare(b.id));
    const via = sorted[0]!;
    const issuer = await res.issuer(via.issuer);
    if (!issuer.list) continue;
    const listed: KeyInfo[] = await issuer.list({ key: via, issuer: config.issuers[via.issuer]! }, res.ctx);
    const { known } = await keysInStore(keys, res);
    const inFlight: string[] = [];
    for (const key of keys) {
      const journal = await (await res.store(key.store)).journal(refOf(key));
      if (journal) inFlight.push(journal.rotationId);
    }
    for (const info of listed) {
      if (known.has(info.keyId)) continue;
      if (info.name && inFlight.some((id) => info.name!.includes(id))) continue;
      out.push({ issuer: via.issuer, account: accountOf(via), keyId: info.keyId, name: info.name, createdAt: info.createdAt, via });
    }
  }
  return out;
}

/** Delete one unknown key, prove it dead where the issuer can, and record it in the history of `via`. */
export async function deleteUnknownKey(unknown: UnknownKey, res: Resources): Promise<Deletion> {
  const { ctx, config } = res;
  const { via, ...shown } = unknown;
  const issuer = await res.issuer(via.issuer);
  const target = { key: via, issuer: config.issuers[via.issuer]! };
  const rotationId = newRotationId(ctx.clock);
  const ictx: IssuerContext = { ...ctx, rotationId, notes: {}, saveNotes: async () => undefined };
  const startedAt = ctx.clock.now();
  let deleted = false;
  let proven: boolean | undefined;
  let error: string | undefined;
  try {
    await issuer.revoke(unknown.keyId, target, ictx);
    deleted = true;
    if (issuer.isDead) {
      proven = await issuer.isDead(unknown.keyId, target, ictx);
      if (!proven) error = 'deleted, but the issuer still accepts it';
    }
  } catch (failure) {
    error = ctx.redactor.redact(messageOf(failure));
  }
  const finishedAt = ctx.clock.now();
  const store = await res.store(via.store);
  await store.appendHistory(refOf(via), {
    rotationId,
    key: via.id,
    trigger: 'revoke',
    actor: ctx.actor,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    oldKeyId: unknown.keyId,
    outcome: deleted && !error ? 'retired' : 'needs-attention',
    reason: UNKNOWN_KEY_REASON,
    error,
  });
  return { ...shown, recordedIn: via.id, deleted, proven, error };
}
