/** keyturn plan: the dry-run preview. Writes nothing, except the plan file --out asks for. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { buildPlan, readStates } from '../../plan/build.js';
import { waitLine, windowWaits } from '../../plan/window.js';
import type { GlobalOptions } from '../options.js';
import { planChunks } from '../render.js';
import { selectionFrom, type SelectionArgs } from '../selection-args.js';
import { withSession, type Session } from '../session.js';

/** Due keys their rotation window or a blackout holds back (a --due selection): when each may start. */
async function showWindowWaits(session: Session, argv: SelectionArgs): Promise<void> {
  const selection = selectionFrom(argv);
  if (selection.keys?.length || selection.all || !session.config.keys.some((k) => k.schedule)) return;
  const keys = session.config.keys.filter((k) => k.schedule && (!selection.tag || k.tags.includes(selection.tag)));
  const states = await readStates(session.config, session.res, keys);
  const waits = windowWaits(keys, new Map([...states].map(([id, s]) => [id, s.record])), session.ctx.clock.now());
  if (waits.length) session.out.line('\nDue, but not now (rotation window):');
  for (const wait of waits) session.out.line(`  ${waitLine(wait, keys.find((k) => k.id === wait.key)!.schedule!)}`);
}

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
      else {
        session.out.chunks(planChunks(plan));
        await showWindowWaits(session, argv);
      }
      return ExitCode.ok;
    },
    { dryRun: true },
  );
}
