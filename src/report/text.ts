/** Text helpers the report's renderers share: HTML escaping, dates and durations for people. */
import { terminalValue } from '../log/terminal-text.js';

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Any text from rotation.yaml or a store is data, never markup: a purpose of `<img src=…>` shows as text and loads
 * nothing; control characters show escaped (\x1b), as on the terminal.
 */
export function escapeHtml(text: string): string {
  return terminalValue(text).replace(/[&<>"']/g, (c) => HTML[c]!);
}

/** 2026-11-21T10:29:12.345Z → 2026-11-21 10:29:12 UTC */
export function when(iso: string | undefined): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 19)} UTC` : '';
}

/** 2026-11-21T10:29:12.345Z → 2026-11-21 */
export function day(iso: string): string {
  return iso.slice(0, 10);
}

const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** The two largest units: 12d 3h, 1m 12s; under a second in ms. */
export function roughDuration(ms: number): string {
  let rest = Math.round(Math.abs(ms));
  if (rest < 1000) return `${rest}ms`;
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length) {
      if (n > 0) parts.push(`${n}${unit}`);
      rest -= n * size;
      if (parts.length === 2 || (parts.length && n === 0)) break;
    }
  }
  return (ms < 0 ? '-' : '') + parts.join(' ');
}
