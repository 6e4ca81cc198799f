/**
 * keyturn revoke (KEY… | --all | --issuer NAME | --tag T | --holder PERSON) --reason TEXT: leak
 * mode for every selected key. Every old key dies first (in parallel, within each issuer's
 * limits, proven dead where the issuer can tell); only then is each replaced. Downtime is
 * accepted, exposure is not. The run reports how long each old key stayed alive.
 */
import type { Config, KeyConfig } from '../../config/types.js';
import { formatDuration } from '../../config/duration.js';
import { massRevoke, type MassRevokeReport } from '../../engine/mass-revoke.js';
import { exitCodeFor } from '../../engine/result.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import { buildPlan } from '../../plan/build.js';
import type { Plan } from '../../plan/model.js';
import { keysHeldBy } from '../../plan/people.js';
import { windowsIgnored } from '../../plan/window.js';
import type { Selected } from '../../plan/select.js';
import type { GlobalOptions } from '../options.js';
import { startProgress } from '../progress/progress.js';
import { planChunks, renderResults } from '../render.js';
import { blockedReasons } from '../execute.js';
import { fleetOf, planRequests, sendToFleet } from '../fleet-send.js';
import { approved } from '../prompt.js';
import { withSession, type Session } from '../session.js';

export interface RevokeArgs extends GlobalOptions {
  keys?: string[];
  all?: boolean;
  issuer?: string;
  tag?: string;
  holder?: string;
  reason: string;
  dryRun?: boolean;
  yes?: boolean;
  concurrency?: number;
  /** send revoke jobs to the fleet instead of running here */
  queue?: boolean;
}

export async function run(argv: RevokeArgs): Promise<ExitCodeValue> {
  if (!argv.reason.trim()) throw errors.usage('--reason must say why the keys are revoked (it is recorded in history)');
  if (!argv.keys?.length && !argv.all && !argv.issuer && !argv.tag && !argv.holder) {
    throw errors.usage('name the keys to revoke, or pass --all, --issuer NAME, --tag TAG or --holder PERSON');
  }
  return withSession(
    argv,
    async (session) => {
      const chosen = choose(session.config, argv);
      const plan = await buildPlan(session.config, session.res, { selection: {}, trigger: 'revoke', reason: argv.reason, chosen });
      const ignored = windowsIgnored(
        chosen.map((c) => c.key),
        'leak',
        session.ctx.clock.now(),
      );
      if (ignored && (session.options.json || session.options.quiet)) session.ctx.logger.info(ignored);
      else if (ignored) session.out.line(ignored);
      if (argv.dryRun) {
        if (session.options.json) session.out.json(plan);
        else session.out.chunks(planChunks(plan));
        return ExitCode.ok;
      }
      if (argv.queue) {
        fleetOf(session);
        if (!(await confirmed(session, plan, argv.yes, 'when a worker takes its job'))) return ExitCode.ok;
        const { requests, blocked } = planRequests(plan, new Map(chosen.map((c) => [c.key.id, c.key])), 'revoke', argv.reason);
        return sendToFleet(session, requests, blocked);
      }
      if (!(await confirmed(session, plan, argv.yes))) return ExitCode.ok;
      const { report, exitCode } = await revokeAll(session, plan, chosen, argv);
      if (session.options.json) session.out.json({ ...report, exitCode });
      else printReport(session, report);
      return exitCode;
    },
    { dryRun: argv.dryRun },
  );
}

/** Named keys or every key, narrowed by issuer, tag and holder (filters combine). */
export function choose(config: Config, argv: Pick<RevokeArgs, 'keys' | 'issuer' | 'tag' | 'holder' | 'reason'>): Selected[] {
  const byId = new Map(config.keys.map((k) => [k.id, k]));
  let pool: Array<{ key: KeyConfig; why: string[] }> = argv.keys?.length
    ? [...new Set(argv.keys)].map((id) => {
        const key = byId.get(id);
        if (!key) throw errors.unknownKey(id);
        return { key, why: ['named on the command line'] };
      })
    : config.keys.map((key) => ({ key, why: [] }));
  if (argv.issuer !== undefined) {
    if (!config.issuers[argv.issuer]) throw errors.usage(`--issuer ${argv.issuer}: no such issuer in the configuration`);
    pool = pool.filter((p) => p.key.issuer === argv.issuer);
    for (const p of pool) p.why.push(`issued by ${argv.issuer}`);
  }
  if (argv.tag !== undefined) {
    pool = pool.filter((p) => p.key.tags.includes(argv.tag!));
    for (const p of pool) p.why.push(`tagged ${argv.tag}`);
  }
  if (argv.holder !== undefined) {
    const held = new Map(keysHeldBy(config, argv.holder).map((h) => [h.key.id, h.via]));
    pool = pool.filter((p) => held.has(p.key.id));
    for (const p of pool) p.why.push(`held by ${argv.holder} ${held.get(p.key.id)}`);
  }
  if (!pool.length) throw errors.usage('the selection matches no key: nothing to revoke');
  return pool.map((p) => ({ key: p.key, trigger: 'revoke', why: `leak: ${argv.reason}${p.why.length ? ` (${p.why.join('; ')})` : ''}` }));
}

/** The selected keys in leak mode (scan --revoke too): plan, confirm on a terminal, run; undefined when the operator declined. */
export async function leakResponse(
  session: Session,
  chosen: Selected[],
  argv: { reason: string; yes?: boolean; concurrency?: number },
): Promise<{ report: MassRevokeReport; exitCode: ExitCodeValue } | undefined> {
  const plan = await buildPlan(session.config, session.res, { selection: {}, trigger: 'revoke', reason: argv.reason, chosen });
  if (!(await confirmed(session, plan, argv.yes))) return undefined;
  return revokeAll(session, plan, chosen, argv);
}

async function confirmed(session: Session, plan: Plan, yes: boolean | undefined, when = 'NOW'): Promise<boolean> {
  const lines = [`Revoke ${plan.keys.length} key(s): each current key is deleted at its issuer ${when}, then replaced.`];
  for (const k of plan.keys) {
    const current = k.currentKeyId ? `current key ${one(k.currentKeyId)}` : 'no current key';
    lines.push(`  ${one(k.key).padEnd(28)} ${one(k.issuer).padEnd(16)} ${current}${k.blocked ? '  [BLOCKED by policy: not touched]' : ''}`);
  }
  const now = when === 'NOW' ? 'now' : 'through the fleet';
  const question = `Delete ${plan.keys.length} key(s) ${now}? Their consumers lose access until each replacement is in place.`;
  return approved(session.ctx.prompt, { yes, doing: 'revoking keys', question, shown: lines.join('\n') });
}

async function revokeAll(
  session: Session,
  plan: Plan,
  chosen: Selected[],
  argv: { reason: string; concurrency?: number },
): Promise<{ report: MassRevokeReport; exitCode: ExitCodeValue }> {
  const { config } = session;
  const byId = new Map(chosen.map((s) => [s.key.id, s.key]));
  const blocked = blockedReasons(plan);
  const progress = await startProgress(
    session,
    plan.keys.map((k) => k.key),
  );
  let report: MassRevokeReport;
  try {
    report = await massRevoke(
      plan.keys.map((k) => ({ key: byId.get(k.key)!, trigger: 'revoke' as const, reason: argv.reason })),
      session.res,
      {
        concurrency: argv.concurrency ?? config.defaults.concurrency,
        blocked,
        hooks: progress.hooks(),
        onDead: progress.onDead,
        onResult: progress.onResult,
      },
    );
  } finally {
    await progress.close();
  }
  return { report, exitCode: exitCodeFor(report.results) };
}

export function printReport(session: Session, report: MassRevokeReport): void {
  const { out } = session;
  out.line('Old keys:');
  out.table(
    ['KEY', 'OLD KEY', 'DEAD AT', 'TRIES', 'NOTE'],
    report.deaths.map((d) => [
      d.key,
      d.oldKeyId,
      d.deadAfterMs === undefined ? undefined : `+${seconds(d.deadAfterMs)}`,
      String(d.attempts),
      d.none ? 'no current key' : d.deadAfterMs === undefined ? `not deleted: ${d.error ?? '-'}` : d.proven ? 'proven dead' : 'deleted',
    ]),
  );
  out.line(
    report.allDeadAfterMs === undefined
      ? 'NOT every old key is dead: see above; delete the rest by hand at the issuer.'
      : `All old keys dead ${seconds(report.allDeadAfterMs)} after the start.`,
  );
  out.line();
  out.line(renderResults(report.results).trimEnd());
  const replaced = report.results.filter((r) => r.outcome === 'completed').length;
  out.line(`${replaced} of ${report.results.length} key(s) replaced; run ended ${formatDuration(report.doneAfterMs)} after the start.`);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}
