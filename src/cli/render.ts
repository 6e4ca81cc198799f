/** How plans and run results look on a terminal. */
import { formatDuration } from '../config/duration.js';
import type { RotationResult } from '../engine/result.js';
import type { Finding } from '../policy/types.js';
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
  lines.push(`Plan (${plan.selection}): ${plan.keys.length} key(s)${blocked ? `, ${blocked} blocked by policy` : ''}. Nothing has been changed.`);
  lines.push(`  config ${plan.configFile} (sha256 ${plan.configHash.slice(0, 12)})`);
  for (const key of plan.keys) {
    lines.push('');
    lines.push(`${key.key}${key.blocked ? '  [BLOCKED]' : ''} — ${key.purpose}`);
    lines.push(`  why        ${key.why}${key.reason ? ` (reason: ${key.reason})` : ''}`);
    lines.push(`  last       ${shortTime(key.lastRotatedAt) ?? 'never rotated'}${key.currentKeyId ? `, current key ${key.currentKeyId}` : ''}`);
    if (key.currentKeyLastUsed) lines.push(`  last used  ${key.currentKeyLastUsed}`);
    if (key.inFlight) lines.push(`  in flight  ${key.inFlight}`);
    for (const step of key.steps) lines.push(`  ${step.step.padEnd(10)} ${step.target}`);
    for (const finding of key.findings) lines.push(`  ${findingLine(finding)}`);
    yield flush();
  }
  if (plan.retirements.length) {
    lines.push('');
    lines.push('Old keys in their overlap window:');
    for (const r of plan.retirements) lines.push(`  ${r.key}: ${r.keyId} deleted ${r.ready ? 'in this run (window passed)' : `after ${shortTime(r.after)}`}`);
  }
  for (const finding of plan.findings) lines.push(findingLine(finding));
  yield flush();
}

export function findingLine(f: Finding): string {
  return `${f.severity.padEnd(5)} ${f.rule}: ${f.message}${f.where ? ` (${f.where})` : ''}`;
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
      [r.failedStep ? `failed at ${r.failedStep}: ${r.error ?? ''}` : r.error, r.note, r.retireAfter ? `old key deleted after ${shortTime(r.retireAfter)}` : undefined]
        .filter(Boolean)
        .join('; ') || undefined,
    ]),
  );
}
