/**
 * Which progress display a run gets. A live display (listr2's default renderer) redraws lines
 * in place, so it needs stdout to be a terminal that understands cursor movement; anything
 * else (CI, a pipe, a file, TERM=dumb, a terminal of unknown width) gets plain lines. --json keeps stdout for the JSON
 * document alone and --quiet asks for the summary only: no progress at all.
 */
export type ProgressMode = 'live' | 'plain' | 'off';

export interface ModeInputs {
  json?: boolean;
  quiet?: boolean;
  /** process.stdout.isTTY */
  tty: boolean | undefined;
  /** process.stdout.columns: 0 or unknown on a pseudo-terminal nobody sized */
  columns: number | undefined;
  env: NodeJS.ProcessEnv;
}

export function progressMode({ json, quiet, tty, columns, env }: ModeInputs): ProgressMode {
  if (json || quiet) return 'off';
  // lines redrawn in place must fit the width, or each wraps and the redraw leaves its tail behind
  if (!tty || env.TERM === 'dumb' || !columns) return 'plain';
  return 'live';
}
