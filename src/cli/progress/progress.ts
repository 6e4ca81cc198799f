/**
 * A run's progress, as rotate, offboard, revoke and apply show it before their summary: the
 * display the output allows (src/cli/progress/mode.ts), fed by the engine's step hooks,
 * a mass revoke's deletions and each key's result. `close` must run before the summary is
 * written, whatever the run came to.
 */
import type { StepHooks } from '../../engine/job.js';
import type { Death } from '../../engine/mass-revoke.js';
import type { RotationResult } from '../../engine/result.js';
import type { Session } from '../session.js';
import { withProgress } from './hooks.js';
import { liveProgress } from './live.js';
import { progressMode } from './mode.js';
import { plainProgress } from './plain.js';
import type { ProgressSink } from './sink.js';
import { deathText } from './text.js';

export interface RunProgress {
  /** the run's hooks (if any) with progress added; undefined when there is neither */
  hooks(outer?: StepHooks): StepHooks | undefined;
  onResult?: (result: RotationResult) => void;
  onDead?: (death: Death) => void;
  close(): Promise<void>;
}

/** `keys`: the lines of a live display, in order (a key the run reports that is not among them shows in the summary only). */
export async function startProgress(session: Session, keys: readonly string[]): Promise<RunProgress> {
  const { ctx, options, out } = session;
  const lines = [...new Set(keys)];
  const mode = progressMode({
    json: options.json,
    quiet: options.quiet,
    tty: process.stdout.isTTY,
    columns: process.stdout.columns,
    rows: process.stdout.rows,
    lines: lines.length,
    env: process.env,
  });
  let sink: ProgressSink | undefined;
  if (mode === 'plain') sink = plainProgress((line) => out.line(line), ctx.redactor);
  else if (mode === 'live') sink = await liveProgress(lines, { redactor: ctx.redactor, now: () => ctx.clock.now().getTime() });
  if (!sink) return { hooks: (outer) => outer, close: async () => undefined };
  const shown = sink;
  return {
    hooks: (outer) => withProgress((key, step) => shown.step(key, step), outer),
    onResult: (result) => shown.result(result),
    onDead: (death) => shown.note(death.key, deathText(death)),
    close: () => shown.close(),
  };
}
