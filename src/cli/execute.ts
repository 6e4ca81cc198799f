/**
 * What rotate, offboard, revoke and apply share: show the plan, ask (or require --yes),
 * run the rotations, print the summary, and return the exit code.
 */
import type { KeyConfig } from '../config/types.js';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { exitCodeFor, type RotationResult } from '../engine/result.js';
import { clearAbandonedLeases, runRotations } from '../engine/run.js';
import type { Plan } from '../plan/model.js';
import { startProgress } from './progress/progress.js';
import { approved } from './prompt.js';
import { planChunks, renderPlan, renderResults } from './render.js';
import type { Session } from './session.js';
import type { RotationRecord } from '../model.js';

export interface ExecuteOptions {
  yes?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  /** the confirmation question */
  question: string;
  /** re-checked under the lease: false skips the key (a concurrent run already did it) */
  stillWanted?: (key: KeyConfig, record: RotationRecord) => boolean;
  /** rotate --due: clear leases that killed processes left without a journal */
  clearAbandonedLeases?: boolean;
  /** rotate a key again even when another run rotated it after this run read the store */
  force?: boolean;
}

/** Each key the plan blocks, with the reason a result shows: the rules that block it. */
export function blockedReasons(plan: Plan): Map<string, string> {
  const rules = (findings: Plan['keys'][number]['findings']) =>
    findings
      .filter((f) => f.severity === 'error')
      .map((f) => f.rule)
      .join(', ');
  return new Map(plan.keys.filter((k) => k.blocked).map((k) => [k.key, `blocked by policy: ${rules(k.findings)}`]));
}

export async function executePlan(session: Session, plan: Plan, options: ExecuteOptions): Promise<ExitCodeValue> {
  const { ctx, out, config } = session;
  if (options.dryRun) {
    if (session.options.json) out.json(plan);
    else out.chunks(planChunks(plan));
    return ExitCode.ok;
  }
  const runnable = plan.keys.filter((k) => !k.blocked);
  const ready = plan.retirements.filter((r) => r.ready);
  if (!plan.keys.length && !ready.length) {
    if (options.clearAbandonedLeases) await clearAbandonedLeases([], session.res, config.defaults.concurrency);
    if (session.options.json) out.json({ results: [] });
    else out.line(`Nothing to rotate (${plan.selection}): every selected key is within its period.`);
    return ExitCode.ok;
  }
  if (runnable.length && !options.yes) {
    const go = { yes: options.yes, doing: 'rotating keys', question: options.question, shown: renderPlan(plan) };
    if (!(await approved(ctx.prompt, go))) return ExitCode.ok;
  }
  const byId = new Map(config.keys.map((k) => [k.id, k]));
  const blocked = blockedReasons(plan);
  const requests = plan.keys.map((k) => ({ key: byId.get(k.key)!, trigger: k.trigger, reason: k.reason }));
  const progress = await startProgress(session, [...plan.keys.map((k) => k.key), ...ready.map((r) => r.key)]);
  let results: RotationResult[];
  try {
    results = await runRotations(requests, session.res, {
      concurrency: Math.max(1, options.concurrency ?? config.defaults.concurrency),
      blocked,
      stillWanted: notRotatedElsewhere(session, plan, options),
      clearAbandonedLeases: options.clearAbandonedLeases,
      hooks: progress.hooks(),
      onResult: progress.onResult,
    });
  } finally {
    await progress.close();
  }
  report(session, results);
  return exitCodeFor(results);
}

/**
 * Under the lease, each key is checked against what this run read when it planned: a key
 * another run rotated in between is not rotated a second time back to back (unless
 * --force). Offboard and revoke rotate it again all the same, and say so: the person who
 * left, or the leak, may know a key that an ordinary rotation kept alive in its overlap.
 */
function notRotatedElsewhere(session: Session, plan: Plan, options: ExecuteOptions): (key: KeyConfig, record: RotationRecord) => boolean {
  const planned = new Map(plan.keys.map((k) => [k.key, k]));
  const { logger } = session.ctx;
  return (key, record) => {
    if (options.stillWanted && !options.stillWanted(key, record)) return false;
    const seen = planned.get(key.id);
    if (!seen || record.lastRotatedAt === seen.lastRotatedAt) return true;
    const since = `rotated by another run at ${record.lastRotatedAt} after this run read the store`;
    if (seen.trigger === 'offboard' || seen.trigger === 'revoke') {
      logger.warn(`${key.id}: ${since}; rotating it again (${seen.trigger} does not rely on an earlier rotation)`);
      return true;
    }
    if (options.force) {
      logger.warn(`${key.id}: ${since}; rotating it again (--force)`);
      return true;
    }
    logger.warn(`${key.id}: skipped: ${since}; pass --force to rotate it again`);
    return false;
  };
}

function report(session: Session, results: RotationResult[]): void {
  if (session.options.json) session.out.json({ results, exitCode: exitCodeFor(results) });
  else session.out.line(renderResults(results).trimEnd());
}
