/**
 * The words of a progress line. Only key ids, step names, outcomes and durations are shown;
 * anything else (an error message, a note) goes through the run's redactor first. Every piece
 * is then made one terminal-safe value: a key id or an issuer's error cannot move the cursor
 * or forge a line of its own.
 */
import type { Death } from '../../engine/mass-revoke.js';
import type { RotationResult } from '../../engine/result.js';
import type { Redactor } from '../../log/redactor.js';
import { terminalValue as one } from '../../log/terminal-text.js';

/** 1234 → 1.2s; under ten minutes always seconds, so a line's width barely moves while it counts. */
export function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
}

/** `completed in 1.2s`, `rolled-back at create in 0.3s: provider said no` */
export function outcomeText(result: RotationResult, redactor: Redactor): string {
  const at = result.failedStep ? ` at ${result.failedStep}` : '';
  const why = result.error ?? result.note;
  return one(`${result.outcome}${at} in ${seconds(result.durationMs)}${why ? `: ${redactor.redact(why)}` : ''}`);
}

/** What a mass revoke did to a key's old key, without naming it. */
export function deathText(death: Death): string {
  if (death.none) return 'no old key to delete';
  if (death.deadAfterMs === undefined) return `old key NOT deleted after ${death.attempts} tries`;
  return `old key ${death.proven ? 'dead (proven)' : 'deleted'} at +${seconds(death.deadAfterMs)}`;
}

/** One terminal row: a longer line would wrap, and a redraw in place would leave its tail behind. */
export function fit(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** A key finished well (✔ on the live display) or not (✖). */
export function succeeded(result: RotationResult): boolean {
  return result.outcome === 'completed' || result.outcome === 'retired';
}

export { one as keyText };
