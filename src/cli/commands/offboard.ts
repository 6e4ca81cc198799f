/**
 * keyturn offboard PERSON: every key the person can read rotates now, whatever its due date;
 * with --queue, as offboarding jobs for the fleet's workers (ahead of routine ones).
 */
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import { keysHeldBy } from '../../plan/people.js';
import { windowsIgnored } from '../../plan/window.js';
import { executePlan } from '../execute.js';
import { fleetOf, planRequests, sendToFleet } from '../fleet-send.js';
import type { GlobalOptions } from '../options.js';
import { approved } from '../prompt.js';
import { withSession } from '../session.js';

export async function run(
  argv: GlobalOptions & { person: string; dryRun?: boolean; yes?: boolean; concurrency?: number; queue?: boolean },
): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async (session) => {
      const held = keysHeldBy(session.config, argv.person);
      const plan = await buildPlan(session.config, session.res, {
        selection: {},
        trigger: 'offboard',
        reason: argv.person,
        chosen: held.map((h) => ({ key: h.key, trigger: 'offboard', why: `${argv.person} leaves; holds it ${h.via}` })),
      });
      // --quiet: the summary only; what the person held is in it, and the window note goes to the log
      const quiet = session.options.json || session.options.quiet;
      if (!quiet) {
        session.out.line(`${argv.person} can read ${held.length} key(s):`);
        for (const h of held) session.out.line(`  ${h.key.id.padEnd(32)} ${h.via}`);
        session.out.line();
      }
      const ignored = windowsIgnored(
        held.map((h) => h.key),
        'offboarding',
        session.ctx.clock.now(),
      );
      if (ignored && quiet) session.ctx.logger.info(ignored);
      else if (ignored) session.out.line(ignored);
      if (argv.queue && !argv.dryRun) {
        fleetOf(session);
        const question = `Send ${held.length} offboarding job(s) for ${argv.person} to the fleet?`;
        if (!(await approved(session.ctx.prompt, { yes: argv.yes, doing: 'sending offboarding jobs', question }))) return ExitCode.ok;
        const byId = new Map(held.map((h) => [h.key.id, h.key]));
        const { requests, blocked } = planRequests(plan, byId, 'offboard', argv.person);
        return sendToFleet(session, requests, blocked);
      }
      return executePlan(session, plan, {
        dryRun: argv.dryRun,
        yes: argv.yes,
        concurrency: argv.concurrency,
        question: `Rotate all ${held.length} key(s) ${argv.person} could read, now?`,
      });
    },
    { dryRun: argv.dryRun },
  );
}
