/**
 * Progress on a terminal: listr2's default renderer keeps one line per key and redraws it in
 * place (step, time since the key began, then its outcome), truncated to the terminal's
 * width. While it draws, listr2 holds back whatever else is written to stdout and stderr (the
 * logs) and writes it out once the display is finished, so no log line tears a redraw.
 * listr2 is loaded only here, when a live display is wanted: other commands start without it.
 */
import { writeSync } from 'node:fs';
import type { RotationResult } from '../../engine/result.js';
import type { Redactor } from '../../log/redactor.js';
import type { StepName } from '../../model.js';
import type { ProgressSink } from './sink.js';
import { fit, keyText, outcomeText, seconds, succeeded } from './text.js';

/** listr2 puts a status mark and a space before each title. */
const MARK_WIDTH = 2;

/** Often enough that the elapsed time reads as running, rarely enough to cost nothing. */
const TICK_MS = 200;

interface Line {
  step?: StepName;
  note?: string;
  /** ms (clock) when the key's first step began */
  began?: number;
  result?: RotationResult;
  ended: Promise<RotationResult | undefined>;
  end(result: RotationResult | undefined): void;
}

export interface LiveOptions {
  redactor: Redactor;
  now: () => number;
}

export async function liveProgress(keys: readonly string[], options: LiveOptions): Promise<ProgressSink> {
  const { Listr } = await import('listr2');
  const width = Math.max(0, ...keys.map((k) => keyText(k).length));
  const lines = new Map<string, Line>();
  for (const key of keys) {
    let end!: Line['end'];
    const ended = new Promise<RotationResult | undefined>((resolve) => (end = resolve));
    lines.set(key, { ended, end });
  }
  const label = (key: string) => keyText(key).padEnd(width);
  // read at each draw: the terminal may be resized while keys run
  const row = (text: string) => fit(text, (process.stdout.columns || 80) - MARK_WIDTH);
  const title = (key: string, line: Line): string => {
    if (!line.step || line.began === undefined) return row(`${label(key)}  waiting`);
    const note = line.note ? `  (${line.note})` : '';
    return row(`${label(key)}  ${line.step}  ${seconds(options.now() - line.began)}${note}`);
  };

  const listr = new Listr(
    [...lines].map(([key, line]) => ({
      title: title(key, line),
      task: async (_ctx: unknown, task: { title: string; skip(message?: string): void }) => {
        const draw = () => (task.title = title(key, line));
        const timer = setInterval(draw, TICK_MS);
        let result: RotationResult | undefined;
        try {
          result = await line.ended;
        } finally {
          clearInterval(timer);
        }
        if (!result) return task.skip(row(`${label(key)}  nothing to do`));
        const final = row(`${label(key)}  ${outcomeText(result, options.redactor)}`);
        if (result.outcome === 'skipped') return task.skip(final);
        task.title = final;
        if (!succeeded(result)) throw new Error(final);
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      collectErrors: false,
      // keyturn keeps Ctrl-C's meaning (the process ends; the journal resumes next run): only the cursor is given back
      registerSignalListeners: false,
      renderer: 'default',
      rendererOptions: { collapseErrors: true, showErrorMessage: true, collapseSkips: true, showSkipMessage: true },
    },
  );
  const running = listr.run();
  const onInterrupt = () => {
    writeSync(1, '\x1b[?25h\n');
    process.kill(process.pid, 'SIGINT');
  };
  process.once('SIGINT', onInterrupt);

  return {
    step(key, step) {
      const line = lines.get(key);
      if (!line || line.result) return;
      line.began ??= options.now();
      line.step = step;
    },
    note(key, text) {
      const line = lines.get(key);
      if (line) line.note = text;
    },
    result(result) {
      const line = lines.get(result.key);
      if (!line || line.result) return;
      line.result = result;
      line.end(result);
    },
    async close() {
      for (const line of lines.values()) line.end(line.result);
      try {
        await running;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    },
  };
}
