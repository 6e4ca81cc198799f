/**
 * Which progress display a run gets. A live display (listr2's default renderer) redraws lines
 * in place, so it needs stdout to be a terminal that understands cursor movement and has room
 * for a line per key; anything else (CI, a pipe, a file, TERM=dumb, a terminal of unknown size
 * or with fewer rows than keys) gets plain lines. --json keeps stdout for the JSON document
 * alone and --quiet asks for the summary only: no progress at all.
 */
export type ProgressMode = 'live' | 'plain' | 'off';

export interface ModeInputs {
  json?: boolean;
  quiet?: boolean;
  /** process.stdout.isTTY */
  tty: boolean | undefined;
  /** process.stdout.columns and rows: 0 or unknown on a pseudo-terminal nobody sized */
  columns: number | undefined;
  rows: number | undefined;
  /** lines the live display would take: one per key */
  lines: number;
  env: NodeJS.ProcessEnv;
}

export function progressMode({ json, quiet, tty, columns, rows, lines, env }: ModeInputs): ProgressMode {
  if (json || quiet) return 'off';
  if (!tty || env.TERM === 'dumb') return 'plain';
  // Lines redrawn in place must fit the screen: a wrapped line leaves its tail behind at each redraw, and a
  // line scrolled off the top can no longer be reached (each redraw would add a copy of the display).
  if (!columns || !rows || lines >= rows) return 'plain';
  return 'live';
}
