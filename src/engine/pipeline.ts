/**
 * One key through the table (src/engine/table.ts): lock, then under the lease either the
 * journal of an interrupted run resumed, or the prologue and the steps of a new rotation
 * (src/engine/run-steps.ts), then unlock.
 */
import { errors, ExitCode, isKeyturnError, messageOf } from '../errors.js';
import { failpoint } from '../failpoints.js';
import type { HeldLease } from './lease.js';
import { modeOf, type RotationJob, type RotationRequest, type StepHooks } from './job.js';
import { hydrate } from './resume.js';
import { rollBack } from './rollback.js';
import { stepsFor } from './steps.js';
import { lock, PROLOGUE, unlock } from './table.js';
import { runSteps } from './run-steps.js';
import { explain, storeUnusable } from './failure.js';
import { keyResult, type ResultDetails } from './outcomes.js';
import type { RotationResult } from './result.js';
import type { SecretStore } from '../stores/types.js';
import type { IssuerConfig } from '../config/types.js';
import type { Issuer } from '../issuers/types.js';
import { newRotationId } from '../context.js';
import { refOf, type JournalEntry, type Outcome, type RotationRecord, type StoreRef } from '../model.js';
import type { Resources } from '../resources.js';

export interface RotateOptions {
  /** lease owner of this run */
  owner: string;
  /**
   * Checked after the lease is taken: false when another run already did the work
   * (e.g. a --due key rotated by a concurrent process), and the key is skipped.
   */
  stillWanted?: (record: RotationRecord) => boolean;
  hooks?: StepHooks;
}

export async function rotateKey(request: RotationRequest, res: Resources, options: RotateOptions): Promise<RotationResult> {
  const { key } = request;
  const { ctx } = res;
  const started = ctx.clock.now().getTime();
  const stopped = (outcome: Outcome, details: ResultDetails) =>
    keyResult(key.id, request.trigger, outcome, details, ctx.clock.now().getTime() - started);
  if (ctx.dryRun) throw errors.usage('internal: rotateKey called in dry-run');
  const store = await res.store(key.store);
  const issuer = await res.issuer(key.issuer);
  const issuerConfig = res.config.issuers[key.issuer];
  if (!issuerConfig) throw errors.config(`key ${key.id}: unknown issuer ${key.issuer}`);
  const ref = refOf(key);
  const job = { request, res, options, store, issuer, issuerConfig, ref };

  await failpoint('lock:before', key.id);
  let held;
  try {
    held = await lock.run(store, ref, options.owner, res.config.defaults.leaseTtlMs);
  } catch (error) {
    if (isKeyturnError(error) && error.code === 'ELEASE') return stopped('skipped', { note: `in flight elsewhere: ${messageOf(error)}` });
    if (storeUnusable(error)) return stopped('needs-attention', { failedStep: 'lock', error: explain(error, ctx) });
    // e.g. a master key file that is a FIFO: the operator's to fix, like bad configuration (exit 2)
    if (isKeyturnError(error) && error.exitCode === ExitCode.usage)
      return stopped('blocked', { failedStep: 'lock', error: explain(error, ctx) });
    // nothing was changed yet: there was nothing to roll back
    return stopped('failed', { failedStep: 'lock', error: ctx.redactor.redact(messageOf(error)) });
  }
  // a crash here leaves a lease and no journal: status shows it, `rotate --due` clears it
  await failpoint('lock:after', key.id);
  let result: RotationResult;
  try {
    result = await underLease(job, held);
  } catch (error) {
    await unlock.run(held).catch(() => undefined);
    // the lease, written only now (secure), had been taken by another run: nothing was started
    if (isKeyturnError(error) && error.code === 'ELEASE') return stopped('skipped', { note: `in flight elsewhere: ${messageOf(error)}` });
    if (!storeUnusable(error)) throw error;
    // Lost before the first step (reading the journal or the old key): nothing was started.
    return stopped('needs-attention', { failedStep: 'lock', error: explain(error, ctx) });
  }
  try {
    await unlock.run(held);
  } catch (error) {
    const reason = explain(error, ctx);
    const lost = isKeyturnError(error) && error.code === 'ESTORELOST';
    // a lost store was reported once already, where the rotation stopped
    if (!lost || result.outcome !== 'needs-attention') ctx.logger.warn(`${key.id}: could not release the lease`, { error: reason });
    if (lost && result.outcome !== 'needs-attention') {
      // Whatever the rotation came to, the store that records it is gone: that is not a success.
      result = { ...result, outcome: 'needs-attention', failedStep: 'unlock', error: reason };
    } else if (result.outcome === 'completed' || result.outcome === 'skipped') {
      // A lease left behind expires, or is taken over at once by the next run on this host.
      result = { ...result, note: [result.note, `lease not released (${reason})`].filter(Boolean).join('; ') };
    }
  }
  await failpoint('unlock:after', key.id);
  return result;
}

interface Opened {
  request: RotationRequest;
  res: Resources;
  options: RotateOptions;
  store: SecretStore;
  issuer: Issuer;
  issuerConfig: IssuerConfig;
  ref: StoreRef;
}

/** Everything between lock and unlock: resume a journal, or start a new rotation. */
async function underLease(opened: Opened, held: HeldLease): Promise<RotationResult> {
  const { request, res, options, store, issuer, issuerConfig, ref } = opened;
  const { key } = request;
  const { ctx } = res;
  const started = ctx.clock.now().getTime();
  const existing = await store.journal(ref);
  const journal: JournalEntry = existing ?? {
    rotationId: newRotationId(ctx.clock),
    key: key.id,
    trigger: request.trigger,
    actor: ctx.actor,
    reason: request.reason,
    startedAt: ctx.clock.now().toISOString(),
    updatedAt: ctx.clock.now().toISOString(),
    step: stepsFor(modeOf(request.trigger))[0]!.name,
    done: [],
    status: 'running',
    notes: {},
  };
  const effective: RotationRequest = existing ? { key, trigger: existing.trigger, reason: existing.reason } : request;
  const job: RotationJob = {
    request: effective,
    key,
    ref,
    store,
    issuer,
    target: { key, issuer: issuerConfig },
    ctx,
    mode: modeOf(effective.trigger),
    journal,
    lease: held,
    resumed: Boolean(existing),
    hooks: options.hooks,
  };
  if (existing) {
    ctx.logger.warn(`${key.id}: resuming ${existing.rotationId} (${existing.trigger}) at ${existing.step}`, { status: existing.status });
    // the resumed run may delete orphans at the issuer before its first checkpoint
    await held.secure();
    const from = await hydrate(job);
    if (existing.status === 'rolling-back')
      return await rollBack(job, existing.step, new Error('an earlier run was interrupted while rolling back'));
    return await runSteps(job, from);
  }
  if (options.stillWanted && !options.stillWanted(await store.rotation(ref))) {
    const durationMs = ctx.clock.now().getTime() - started;
    return keyResult(key.id, request.trigger, 'skipped', { note: 'already rotated by another run' }, durationMs);
  }
  for (const entry of PROLOGUE) {
    const ended = await entry.run(job);
    if (ended) return ended;
  }
  return await runSteps(job, journal.step);
}
