/**
 * How plans and run results look on a terminal. Free text from rotation.yaml, the store or
 * an issuer goes through `one` (control characters and newlines shown escaped), so a value
 * can neither drive the terminal nor forge a line of the plan; the prompt shows this text too.
 */
import { formatDuration } from '../config/duration.js';
import { terminalValue as one } from '../log/terminal-text.js';
import type { RotationResult } from '../engine/result.js';
import type { Finding } from '../policy/types.js';
import { ageInDays } from '../plan/due.js';
import type { Plan } from '../plan/model.js';
import { renderTable, shortTime } from './output.js';

export function renderPlan(plan: Plan): string {
  return [...planChunks(plan)].join('');
}

/** The plan a key at a time, so a plan of 10,000 keys is written without building one huge string. */
export function* planChunks(plan: Plan): Generator<string> {
  let lines: string[] = [];
  const flush = () => {
    const chunk = lines.length ? `${lines.join('\n')}\n` : '';
    lines = [];
    return chunk;
  };
  const blocked = plan.keys.filter((k) => k.blocked).length;
  const blockedNote = blocked ? `, ${blocked} blocked by policy` : '';
  lines.push(`Plan (${one(plan.selection)}): ${plan.keys.length} key(s)${blockedNote}. Nothing has been changed.`);
  lines.push(`  config ${one(plan.configFile)} (sha256 ${plan.configHash.slice(0, 12)})`);
  for (const key of plan.keys) {
    lines.push('');
    lines.push(`${one(key.key)}${key.blocked ? '  [BLOCKED]' : ''} — ${one(key.purpose)}`);
    if (key.zone !== undefined) lines.push(`  zone       ${one(key.zone)}`);
    lines.push(`  why        ${one(key.why)}${key.reason ? ` (reason: ${one(key.reason)})` : ''}`);
    const current = key.currentKeyId ? `, current key ${one(key.currentKeyId)}` : '';
    const last =
      key.adopted && key.lastRotatedAt
        ? `adopted ${shortTime(key.lastRotatedAt)}, age ${ageInDays(key.lastRotatedAt, new Date(plan.createdAt))} days`
        : (shortTime(key.lastRotatedAt) ?? 'never rotated');
    lines.push(`  last       ${last}${current}`);
    if (key.currentKeyLastUsed) lines.push(`  last used  ${one(key.currentKeyLastUsed)}`);
    if (key.inFlight) lines.push(`  in flight  ${one(key.inFlight)}`);
    for (const step of key.steps) lines.push(`  ${step.step.padEnd(10)} ${one(step.target)}`);
    for (const finding of key.findings) lines.push(`  ${findingLine(finding)}`);
    yield flush();
  }
  if (plan.consumerGroups?.length) {
    lines.push('');
    lines.push('Consumers shared by these keys:');
    for (const group of plan.consumerGroups) lines.push(`  ${one(group.line)}`);
  }
  if (plan.retirements.length) {
    lines.push('');
    lines.push('Old keys in their overlap window:');
    for (const r of plan.retirements) {
      lines.push(`  ${one(r.key)}: ${one(r.keyId)} deleted ${r.ready ? 'in this run (window passed)' : `after ${shortTime(r.after)}`}`);
    }
  }
  for (const finding of plan.findings) lines.push(findingLine(finding));
  yield flush();
}

export function findingLine(f: Finding): string {
  return `${f.severity.padEnd(5)} ${f.rule}: ${one(f.message)}${f.where ? ` (${one(f.where)})` : ''}`;
}

export function renderResults(results: readonly RotationResult[]): string {
  if (!results.length) return 'Nothing to do.\n';
  return renderTable(
    ['KEY', 'TRIGGER', 'OUTCOME', 'OLD KEY', 'NEW KEY', 'TIME', 'NOTE'],
    results.map((r) => [
      r.key,
      r.trigger,
      r.outcome,
      r.oldKeyId,
      r.newKeyId,
      formatDuration(r.durationMs),
      [
        r.failedStep ? `failed at ${r.failedStep}: ${r.error ?? ''}` : r.error,
        r.note,
        r.retireAfter ? `old key deleted after ${shortTime(r.retireAfter)}` : undefined,
      ]
        .filter(Boolean)
        .join('; ') || undefined,
    ]),
  );
}
