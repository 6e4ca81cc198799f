/** keyturn plan: the dry-run preview. Writes nothing, except the plan file --out asks for. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { buildPlan } from '../../plan/build.js';
import type { GlobalOptions } from '../options.js';
import { planChunks } from '../render.js';
import { selectionFrom, type SelectionArgs } from '../selection-args.js';
import { withSession } from '../session.js';

export async function run(argv: GlobalOptions & SelectionArgs & { owner?: string; out?: string }): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async (session) => {
      const plan = await buildPlan(session.config, session.res, { selection: { ...selectionFrom(argv), owner: argv.owner } });
      if (argv.out) {
        await writeFile(path.resolve(argv.out), `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
        session.ctx.logger.info(`plan saved to ${argv.out}; run it with: keyturn apply ${argv.out}`);
      }
      if (session.options.json) session.out.json(plan);
      else session.out.chunks(planChunks(plan));
      return ExitCode.ok;
    },
    { dryRun: true },
  );
}
