/**
 * What rotate, offboard, revoke and apply share: show the plan, ask (or require --yes),
 * run the rotations, print the summary, and return the exit code.
 */
import type { KeyConfig } from '../config/types.js';
import { errors, ExitCode, type ExitCodeValue } from '../errors.js';
import { exitCodeFor, type RotationResult } from '../engine/result.js';
import { runRotations } from '../engine/run.js';
import type { RotationRecord } from '../stores/types.js';
import type { Plan } from '../plan/model.js';
import { planChunks, renderPlan, renderResults } from './render.js';
import type { Session } from './session.js';

export interface ExecuteOptions {
  yes?: boolean;
  dryRun?: boolean;
  concurrency?: number;
  /** the confirmation question */
  question: string;
  /** re-checked under the lease: false skips the key (a concurrent run already did it) */
  stillWanted?: (key: KeyConfig, record: RotationRecord) => boolean;
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
    if (session.options.json) out.json({ results: [] });
    else out.line(`Nothing to rotate (${plan.selection}): every selected key is within its period.`);
    return ExitCode.ok;
  }
  if (runnable.length && !options.yes) {
    if (!ctx.prompt.interactive) throw errors.noTty('rotating keys');
    ctx.prompt.say(renderPlan(plan));
    if (!(await ctx.prompt.confirm(options.question))) {
      ctx.prompt.say('Nothing changed.');
      return ExitCode.ok;
    }
  }
  const byId = new Map(config.keys.map((k) => [k.id, k]));
  const blocked = new Map(
    plan.keys
      .filter((k) => k.blocked)
      .map((k) => [k.key, `blocked by policy: ${k.findings.filter((f) => f.severity === 'error').map((f) => f.rule).join(', ')}`]),
  );
  const requests = plan.keys.map((k) => ({ key: byId.get(k.key)!, trigger: k.trigger, reason: k.reason }));
  const progress = process.stderr.isTTY && !session.options.json;
  const results = await runRotations(requests, session.res, {
    concurrency: Math.max(1, options.concurrency ?? config.defaults.concurrency),
    blocked,
    stillWanted: options.stillWanted,
    onResult: progress ? (r) => process.stderr.write(ctx.redactor.redact(`${mark(r)} ${r.key}: ${r.outcome}\n`)) : undefined,
  });
  report(session, results);
  return exitCodeFor(results);
}

function report(session: Session, results: RotationResult[]): void {
  if (session.options.json) session.out.json({ results, exitCode: exitCodeFor(results) });
  else session.out.line(renderResults(results).trimEnd());
}

function mark(r: RotationResult): string {
  return r.outcome === 'completed' || r.outcome === 'retired' ? '✓' : r.outcome === 'skipped' ? '·' : '✗';
}
