/**
 * The report as CSV: one row per history entry in the range (each rotation, and each old key
 * deleted after its overlap window, trigger `retire`), with the key's declaration beside it.
 * RFC 4180 quoting; a cell that a spreadsheet would run as a formula (= + - @, tab, CR) is
 * prefixed with ', so a purpose cannot become a formula on the auditor's machine. Control characters
 * and newlines inside a value show escaped (\\x1b, \\n), as on the terminal.
 */
import { terminalValue } from '../log/terminal-text.js';
import type { Report } from './model.js';

const COLUMNS = [
  'rotation_id',
  'key',
  'purpose',
  'holders',
  'issuer',
  'store',
  'period_ms',
  'trigger',
  'actor',
  'started_at',
  'finished_at',
  'duration_ms',
  'old_key_id',
  'new_key_id',
  'outcome',
  'reason',
  'error',
] as const;

export function renderCsv(report: Report): string {
  const keys = new Map(report.keys.map((k) => [k.key, k]));
  const rows = report.history.map((e) => {
    const k = keys.get(e.key);
    return [
      e.rotationId,
      e.key,
      k?.purpose,
      k?.holders.join(' '),
      k?.issuer,
      k?.store,
      k?.periodMs,
      e.trigger,
      e.actor,
      e.startedAt,
      e.finishedAt,
      e.durationMs,
      e.oldKeyId,
      e.newKeyId,
      e.outcome,
      e.reason,
      e.error,
    ];
  });
  return [COLUMNS, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  let text = terminalValue(String(value));
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
