/**
 * Old keys kept alive through an overlap window are deleted by a later run, once the
 * window has passed: lock, delete at the issuer (and prove it dead), record, unlock.
 */
import { isKeyturnError, messageOf } from '../errors.js';
import { acquireLease } from './lease.js';
import { deleteOldKey } from './delete-old-key.js';
import { keyResult, retirementHistory, type ResultDetails } from './outcomes.js';
import type { RotationResult } from './result.js';
import type { KeyConfig } from '../config/types.js';
import { refOf, type Outcome } from '../model.js';
import type { Resources } from '../resources.js';

export async function retireIfDue(key: KeyConfig, res: Resources, owner: string): Promise<RotationResult | undefined> {
  const { ctx } = res;
  const store = await res.store(key.store);
  const ref = refOf(key);
  const pending = (await store.rotation(ref)).pendingRetire;
  if (!pending || Date.parse(pending.after) > ctx.clock.now().getTime()) return undefined;
  const started = ctx.clock.now();
  const ids = { rotationId: pending.rotationId, oldKeyId: pending.keyId };
  const retirement = (outcome: Outcome, details: ResultDetails, durationMs: number) =>
    keyResult(key.id, 'retire', outcome, { ...ids, ...details }, durationMs);
  let held;
  try {
    held = await acquireLease(store, ref, owner, res.config.defaults.leaseTtlMs);
  } catch (error) {
    if (isKeyturnError(error) && error.code === 'ELEASE') return retirement('skipped', { note: 'in flight elsewhere' }, 0);
    throw error;
  }
  try {
    const again = (await store.rotation(ref)).pendingRetire;
    if (!again || again.keyId !== pending.keyId) return undefined;
    const issuer = await res.issuer(key.issuer);
    // no rotation runs here: the issuer gets a context of its own, with no journal to save notes in
    const ictx = { ...ctx, rotationId: pending.rotationId, notes: {}, saveNotes: async () => undefined };
    try {
      await deleteOldKey(pending.keyId, { issuer, target: { key, issuer: res.config.issuers[key.issuer]! }, ictx });
    } catch (error) {
      const reason = `the old key ${pending.keyId} could not be deleted: ${ctx.redactor.redact(messageOf(error))}`;
      await store.record(ref, { attention: { rotationId: pending.rotationId, reason, at: ctx.clock.now().toISOString() } });
      return retirement('needs-attention', { failedStep: 'retire', error: reason }, ctx.clock.now().getTime() - started.getTime());
    }
    const finished = ctx.clock.now();
    await store.record(ref, { pendingRetire: undefined, attention: undefined });
    await store.appendHistory(ref, retirementHistory({ key: key.id, ...ids, actor: ctx.actor }, started, finished));
    return retirement('retired', {}, finished.getTime() - started.getTime());
  } finally {
    await held.release().catch(() => undefined);
  }
}
