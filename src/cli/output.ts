/**
 * stdout for command output, always through the redactor and then made terminal-safe
 * (control characters shown escaped, see log/terminal-text.ts); tables for people, JSON for machines.
 */
import type { Redactor } from '../log/redactor.js';
import { terminalJson, terminalText, terminalValue } from '../log/terminal-text.js';

export interface Output {
  line(text?: string): void;
  /** text already ending in newlines, written piece by piece */
  chunks(pieces: Iterable<string>): void;
  json(value: unknown): void;
  table(headers: string[], rows: Array<Array<string | undefined>>): void;
}

export function createOutput(redactor: Redactor, stream: NodeJS.WritableStream = process.stdout): Output {
  const write = (text: string) => stream.write(terminalText(redactor.redact(text)));
  return {
    line: (text = '') => write(`${text}\n`),
    chunks: (pieces) => {
      for (const piece of pieces) if (piece) write(piece);
    },
    json: (value) => stream.write(terminalJson(redactor.redact(`${JSON.stringify(value, null, 2)}\n`))),
    // cells redacted before renderTable escapes them: an escaped secret would no longer match the redactor
    table: (headers, rows) =>
      write(
        renderTable(
          headers,
          rows.map((r) => r.map((c) => (c === undefined ? c : redactor.redact(c)))),
        ),
      ),
  };
}

/** Every cell is one line: a newline in a value (an error message, a purpose) is shown as \\n, not a forged row. */
export function renderTable(headers: string[], rows: Array<Array<string | undefined>>): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === undefined ? '-' : terminalValue(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(cells[0]!), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n')}\n`;
}

/** 2026-11-21T10:29:12.000Z → 2026-11-21 10:29 */
export function shortTime(iso: string | undefined): string | undefined {
  return iso ? iso.replace('T', ' ').slice(0, 16) : undefined;
}
