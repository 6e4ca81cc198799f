/**
 * `keyturn adopt`: a key already in production starts under keyturn with its real age. The
 * credential its store holds as CURRENT is recorded as the key's current one, dated by the
 * issuer's creation date (identify()) or the operator's --rotated-at, so `--due` counts from
 * there instead of rotating every existing key on the first run. Nothing is invented: a store
 * without a credential, or an issuer that cannot date it without --rotated-at, is reported.
 *
 * Under the key's lease (no rotation interleaves) adopt writes one history entry (trigger
 * `adopt`, outcome `adopted`) and the rotation record. When the store's version is named
 * otherwise than the issuer names the credential (a secret written by hand: `vault-v3`), the
 * same value is staged and promoted again under the issuer's key id first, because the next
 * rotation deletes the old key at the issuer by the id the store's CURRENT carries.
 */
import type { KeyConfig } from '../config/types.js';
import { newRotationId } from '../context.js';
import { acquireLease, leaseOwner } from '../engine/lease.js';
import { messageOf } from '../errors.js';
import type { IdentifiedKey } from '../issuers/types.js';
import { refOf, type JournalEntry, type RotationRecord } from '../model.js';
import { adoptedAt } from '../plan/due.js';
import type { Resources } from '../resources.js';

export interface AdoptRequest {
  /** --rotated-at, validated: overrides the issuer's date */
  rotatedAt?: string;
  /** adopt a key keyturn already rotated or adopted, again */
  force?: boolean;
  dryRun: boolean;
}

export interface AdoptResult {
  key: string;
  outcome: 'adopted' | 'skipped' | 'failed';
  /** a dry run: what would be recorded; nothing was */
  dryRun?: boolean;
  keyId?: string;
  /** the date recorded as lastRotatedAt */
  createdAt?: string;
  source?: 'issuer' | 'operator';
  /** the store's CURRENT was named otherwise: it is staged again (same value) under keyId */
  relabeledFrom?: string;
  note?: string;
  error?: string;
  hint?: string;
}

const RELABEL_SOURCE = 'keyturn adopt';

export async function adoptKey(key: KeyConfig, res: Resources, request: AdoptRequest): Promise<AdoptResult> {
  const { ctx } = res;
  const store = await res.store(key.store);
  const ref = refOf(key);
  const where = store.describe(ref);
  const failed = (error: string, hint?: string): AdoptResult => ({
    key: key.id,
    outcome: 'failed',
    error: ctx.redactor.redact(error),
    hint,
  });

  const [record, journal] = await Promise.all([store.rotation(ref), store.journal(ref)]);
  const managed = alreadyManaged(key, record, journal, request.force);
  if (managed) return managed;
  const current = await store.current(ref);
  if (!current) {
    return failed(`no credential at ${where}; nothing adopted`, `put the key's credential there first, or let keyturn rotate ${key.id}`);
  }
  ctx.redactor.addMaterial(current.material);

  const issuer = await res.issuer(key.issuer);
  const target = { key, issuer: res.config.issuers[key.issuer]! };
  let identified: IdentifiedKey | undefined;
  if (issuer.identify) {
    try {
      identified = await issuer.identify(current, target, ctx);
    } catch (error) {
      return failed(`issuer ${key.issuer} does not recognise the credential at ${where}: ${messageOf(error)}`, hintOf(error));
    }
  }
  const keyId = identified?.keyId ?? current.keyId;
  const createdAt = request.rotatedAt ?? identified?.createdAt;
  if (!createdAt) {
    const why = issuer.identify
      ? `issuer ${key.issuer} did not say when ${keyId} was created`
      : `issuer ${key.issuer} (${issuer.type}) cannot tell when a credential was created`;
    return failed(`${why}; nothing adopted`, 'pass --rotated-at DATE: the day the credential was created or last changed');
  }
  const adopted: AdoptResult = {
    key: key.id,
    outcome: 'adopted',
    keyId,
    createdAt,
    source: request.rotatedAt ? 'operator' : 'issuer',
    ...(keyId !== current.keyId ? { relabeledFrom: current.keyId } : {}),
  };
  if (request.dryRun) return { ...adopted, dryRun: true };

  let held;
  try {
    held = await acquireLease(store, ref, leaseOwner(), res.config.defaults.leaseTtlMs);
  } catch (error) {
    return failed(`could not take ${key.id}'s lease: ${messageOf(error)}`, 'a rotation may be running; adopt the key once it is done');
  }
  try {
    // another run may have rotated, adopted or replaced the credential since it was read
    const [now, inFlight, still] = await Promise.all([store.rotation(ref), store.journal(ref), store.current(ref)]);
    const changed = alreadyManaged(key, now, inFlight, request.force);
    if (changed) return changed;
    if (!still || still.rotationId !== current.rotationId) {
      return failed(`the credential at ${where} changed while adopting; nothing adopted`);
    }
    const rotationId = newRotationId(ctx.clock);
    const startedAt = ctx.clock.now().toISOString();
    if (adopted.relabeledFrom !== undefined) {
      await store.stage(ref, rotationId, { keyId, material: still.material, meta: { source: RELABEL_SOURCE, was: still.keyId } });
      await store.promote(ref, rotationId);
    }
    const finishedAt = ctx.clock.now().toISOString();
    await store.appendHistory(ref, {
      rotationId,
      key: key.id,
      trigger: 'adopt',
      actor: ctx.actor,
      startedAt,
      finishedAt,
      durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
      newKeyId: keyId,
      outcome: 'adopted',
      reason: `created ${createdAt} (${adopted.source === 'issuer' ? `from issuer ${key.issuer}` : '--rotated-at'})`,
    });
    await store.record(ref, {
      lastRotatedAt: createdAt,
      lastRotationId: rotationId,
      currentKeyId: keyId,
      adopted: { rotationId, at: startedAt, source: adopted.source! },
    });
    return adopted;
  } catch (error) {
    return failed(`adopting ${key.id} failed: ${messageOf(error)}`, hintOf(error));
  } finally {
    await held.release().catch(() => undefined);
  }
}

function alreadyManaged(
  key: KeyConfig,
  record: RotationRecord,
  journal: JournalEntry | undefined,
  force?: boolean,
): AdoptResult | undefined {
  if (journal) {
    return {
      key: key.id,
      outcome: 'failed',
      error: `a rotation of ${key.id} is in flight (${journal.rotationId}, at ${journal.step}); nothing adopted`,
      hint: `finish it first: keyturn rotate ${key.id}`,
    };
  }
  if (record.attention) {
    return {
      key: key.id,
      outcome: 'failed',
      error: `${key.id} needs attention (${record.attention.reason}); nothing adopted`,
      hint: 'resolve it first: keyturn status shows what happened',
    };
  }
  if (!record.lastRotatedAt || force) return undefined;
  const adopted = adoptedAt(record);
  const what = adopted ? `adopted (created ${adopted})` : `rotated by keyturn at ${record.lastRotatedAt}`;
  return { key: key.id, outcome: 'skipped', note: `already ${what}; --force adopts it again` };
}

function hintOf(error: unknown): string | undefined {
  const details = (error as { details?: { hint?: unknown } } | undefined)?.details;
  return typeof details?.hint === 'string' ? details.hint : undefined;
}
