/** keyturn rotate: the pipeline for the selected keys; --dry-run shows the plan only. */
import { errors, type ExitCodeValue } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import { dueState } from '../../plan/due.js';
import { isEmptySelection } from '../../plan/select.js';
import { executePlan } from '../execute.js';
import type { GlobalOptions } from '../options.js';
import { selectionFrom, type SelectionArgs } from '../selection-args.js';
import { withSession } from '../session.js';

interface RotateArgs extends GlobalOptions, SelectionArgs {
  dryRun?: boolean;
  yes?: boolean;
  concurrency?: number;
  force?: boolean;
}

export async function run(argv: RotateArgs): Promise<ExitCodeValue> {
  const selection = selectionFrom(argv);
  if (isEmptySelection(selection)) throw errors.usage('name the keys to rotate, or pass --due or --all', 'keyturn plan shows what is due');
  return withSession(
    argv,
    async (session) => {
      const plan = await buildPlan(session.config, session.res, { selection });
      return executePlan(session, plan, {
        dryRun: argv.dryRun,
        yes: argv.yes,
        concurrency: argv.concurrency,
        force: argv.force,
        question: `Rotate ${plan.keys.length} key(s)?`,
        clearAbandonedLeases: selection.due,
        // A concurrent run may have rotated a due key while this one waited: rotate it once.
        stillWanted: selection.due ? (key, record) => dueState(key, record, session.ctx.clock.now()).due : undefined,
      });
    },
    { dryRun: argv.dryRun },
  );
}
