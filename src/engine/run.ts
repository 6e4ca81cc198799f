/**
 * Many keys at once: each key's rotation runs in its own lane up to --concurrency; one
 * key's failure never stops the others. A consumer several keys share is restarted once for
 * all of them (src/engine/shared-restarts.ts). Old keys whose overlap window has passed are
 * retired in the same run. Webhooks hear about failures and the summary.
 */
import type { KeyConfig } from '../config/types.js';
import { notify } from '../notify/webhook.js';
import { messageOf } from '../errors.js';
import { holderIsDead, leaseOwner } from './lease.js';
import { rotateKey } from './pipeline.js';
import { mapWithConcurrency, Slots } from './pool.js';
import { describeRefusal, groupsForRun } from './consumer-groups.js';
import { RestartGroups } from './shared-restarts.js';
import { retireIfDue } from './retire.js';
import type { RotationRequest, StepHooks } from './job.js';
import type { RotationResult } from './result.js';
import { keyResult } from './outcomes.js';
import { refOf, type RotationRecord } from '../model.js';
import type { Resources } from '../resources.js';

export interface RunOptions {
  concurrency: number;
  /** keys whose error-level policy findings block their rotation, with the reason */
  blocked?: Map<string, string>;
  stillWanted?: (key: KeyConfig, record: RotationRecord) => boolean;
  /** also delete old keys whose overlap window has passed (every key in the config) */
  retire?: boolean;
  /**
   * `rotate --due`: also clear the leases of keys this run does not rotate whose holder was
   * killed on this host before it wrote a journal (nothing else would ever look at them).
   */
  clearAbandonedLeases?: boolean;
  /** called as each key finishes (progress on a terminal) */
  onResult?: (result: RotationResult) => void;
  hooks?: StepHooks;
  /** asked after each attempt of a key: true runs it again (it resumes its journal) */
  again?: (result: RotationResult, attempt: number) => Promise<boolean>;
}

export async function runRotations(requests: readonly RotationRequest[], res: Resources, options: RunOptions): Promise<RotationResult[]> {
  const owner = leaseOwner();
  const shared = shareConsumers(requests, res, options);
  // With shared consumers every key starts its lane at once and waits for a slot of the
  // concurrency instead: a key waiting for the rest of its group gives its slot up.
  const rotated = await mapWithConcurrency(requests, shared ? requests.length : options.concurrency, async (request) => {
    const id = request.key.id;
    let result: RotationResult;
    await shared?.lanes.acquire(id);
    try {
      result = await rotateOne(request, res, owner, shared ? { ...options, hooks: shared.hooks } : options, () => shared?.groups.leave(id));
    } finally {
      shared?.lanes.release(id);
    }
    options.onResult?.(result);
    return result;
  });
  const retired: RotationResult[] = [];
  if (options.retire !== false) {
    const done = new Set(requests.map((r) => r.key.id));
    const candidates = res.config.keys.filter((key) => !done.has(key.id));
    const outcomes = await mapWithConcurrency(candidates, options.concurrency, async (key) => {
      try {
        return await retireIfDue(key, res, owner);
      } catch (error) {
        return keyResult(key.id, 'retire', 'needs-attention', { error: res.ctx.redactor.redact(messageOf(error)) }, 0);
      }
    });
    for (const outcome of outcomes) {
      if (outcome) {
        retired.push(outcome);
        options.onResult?.(outcome);
      }
    }
  }
  if (options.clearAbandonedLeases) await clearAbandonedLeases(requests, res, options.concurrency);
  const results = [...rotated, ...retired];
  await tellWebhooks(results, res);
  return results;
}

/**
 * Keys of this run that share a consumer (src/engine/consumer-groups.ts): the groups that
 * restart each such consumer once, and the slots that bound keys at work to --concurrency.
 */
function shareConsumers(requests: readonly RotationRequest[], res: Resources, options: RunOptions) {
  const rotated = requests.filter((r) => !options.blocked?.has(r.key.id)).map((r) => r.key);
  const grouping = groupsForRun(res.config.keys, rotated);
  for (const refused of grouping.refused) res.ctx.logger.warn(describeRefusal(refused));
  if (!grouping.groups.length) return undefined;
  const lanes = new Slots(Math.max(1, options.concurrency));
  const groups = new RestartGroups(grouping.groups, res.ctx, {
    pause: (job) => {
      lanes.release(job.key.id);
      options.hooks?.idle?.(job);
    },
    resume: (job) => lanes.acquire(job.key.id),
    current: async (keyId) => {
      const key = requests.find((r) => r.key.id === keyId)?.key ?? res.config.keys.find((k) => k.id === keyId)!;
      const version = await (await res.store(key.store)).current(refOf(key));
      return version && { keyId: version.keyId, rotationId: version.rotationId, material: version.material };
    },
  });
  return { lanes, groups, hooks: groups.hooks(options.hooks) };
}

/** `ended`: after each attempt (a later one resumes the journal, and restarts its consumers alone). */
async function rotateOne(
  request: RotationRequest,
  res: Resources,
  owner: string,
  options: RunOptions,
  ended: () => void,
): Promise<RotationResult> {
  const blockedBy = options.blocked?.get(request.key.id);
  if (blockedBy) return keyResult(request.key.id, request.trigger, 'blocked', { error: blockedBy }, 0);
  try {
    for (let attempt = 1; ; attempt++) {
      let result: RotationResult;
      try {
        result = await rotateKey(request, res, {
          owner,
          stillWanted: options.stillWanted ? (record) => options.stillWanted!(request.key, record) : undefined,
          hooks: options.hooks,
        });
      } finally {
        ended();
      }
      if (!(await options.again?.(result, attempt))) return result;
    }
  } catch (error) {
    // rotateKey handles every failure after the lease; this is one before it (store unreachable, bad issuer).
    return keyResult(
      request.key.id,
      request.trigger,
      'failed',
      { failedStep: 'lock', error: res.ctx.redactor.redact(messageOf(error)) },
      0,
    );
  }
}

export async function clearAbandonedLeases(requests: readonly RotationRequest[], res: Resources, concurrency: number): Promise<void> {
  const done = new Set(requests.map((r) => r.key.id));
  const others = res.config.keys.filter((key) => !done.has(key.id));
  await mapWithConcurrency(others, concurrency, async (key) => {
    try {
      const store = await res.store(key.store);
      const ref = refOf(key);
      const holder = await store.leaseHolder(ref);
      if (!holder || !holderIsDead(holder.owner) || (await store.journal(ref))) return;
      await store.breakLease(ref, holder.owner);
      res.ctx.logger.warn(`${key.id}: cleared a lease left by ${holder.owner}, killed before it wrote a journal (nothing had changed)`);
    } catch (error) {
      res.ctx.logger.warn(`${key.id}: could not check its lease`, { error: res.ctx.redactor.redact(messageOf(error)) });
    }
  });
}

async function tellWebhooks(results: RotationResult[], res: Resources): Promise<void> {
  const webhooks = res.config.notify.webhooks;
  if (!webhooks.length || !results.length) return;
  const { ctx } = res;
  for (const r of results.filter((x) => x.outcome === 'rolled-back' || x.outcome === 'failed' || x.outcome === 'blocked')) {
    await notify(
      webhooks,
      'failure',
      { title: `keyturn: ${r.key} ${r.outcome}`, lines: [`step: ${r.failedStep ?? '-'}`, `error: ${r.error ?? '-'}`] },
      ctx,
    );
  }
  for (const r of results.filter((x) => x.outcome === 'needs-attention')) {
    await notify(webhooks, 'attention', { title: `keyturn: ${r.key} needs attention`, lines: [r.error ?? ''] }, ctx);
  }
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  await notify(
    webhooks,
    'summary',
    { title: `keyturn run by ${ctx.actor}: ${results.length} key(s)`, lines: [...counts].map(([outcome, n]) => `${outcome}: ${n}`) },
    ctx,
  );
}
