/**
 * The report as one self-contained HTML file: inline CSS and SVG, no script, no font, no
 * image, no link to fetch, and a Content-Security-Policy that forbids every request should
 * any markup slip through. Every value from rotation.yaml or a store is escaped.
 */
import type { HistoryEntry } from '../model.js';
import type { Finding } from '../policy/types.js';
import { ageChart } from './chart.js';
import type { KeyReport, Report } from './model.js';
import { day, escapeHtml as esc, roughDuration, when } from './text.js';

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root { color-scheme: light; --ok: #1a7f37; --late: #bf5700; --bad: #cf222e; --ink: #1f2328; --dim: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
body { margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--dim); margin: 0 0 16px; }
.figures { display: flex; gap: 12px; flex-wrap: wrap; }
.figure { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.figure .n { display: block; font-size: 28px; font-weight: 600; }
.figure.on-time .n { color: var(--ok); } .figure.overdue .n { color: var(--late); } .figure.failing .n { color: var(--bad); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; overflow-wrap: anywhere; }
td.key { white-space: nowrap; }
.standing-on-time { color: var(--ok); }
.standing-overdue { color: var(--late); font-weight: 600; } .standing-failing { color: var(--bad); font-weight: 600; }
.outcome-completed, .outcome-retired { color: var(--ok); } .outcome-rolled-back, .outcome-needs-attention { color: var(--bad); }
.empty { color: var(--dim); font-style: italic; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .grid { stroke: #eef1f4; } svg .axis { stroke: #8c959f; } svg .tick, svg .note { fill: var(--dim); } svg .label { fill: var(--ink); }
svg .period { stroke: var(--late); stroke-dasharray: 4 3; } svg .age { fill: none; stroke: #0969da; stroke-width: 1.6; }
svg .age.over { stroke: var(--bad); stroke-width: 2.2; } svg .over-band { fill: #cf222e; opacity: 0.05; }
.legend { color: var(--dim); font-size: 12px; }
@media print { body { max-width: none; } th { position: static; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

export function renderHtml(report: Report): string {
  const s = report.summary;
  const longest = s.longestOffboardingMs === undefined ? '–' : roughDuration(s.longestOffboardingMs);
  const title = `Key rotation evidence, ${day(report.range.since)} to ${day(report.range.until)}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="keyturn report">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${esc(title)}</h1>
<p class="meta">Generated ${esc(when(report.generatedAt))} by <code>keyturn report</code> from <code>${esc(report.config.file)}</code>
(sha256 <code>${esc(report.config.sha256.slice(0, 16))}</code>) and the stores' rotation history.
Range ${esc(when(report.range.since))} to ${esc(when(report.range.until))}. No secret value is read to make this report.</p>
</header>

<section id="summary">
<h2>Summary</h2>
<div class="figures">
${figure('keys', s.keys, 'keys declared')}
${figure('on-time', s.onTime, 'on time')}
${figure('overdue', s.overdue, 'overdue or never rotated')}
${figure('failing', s.failing, 'failing or needing attention')}
${figure('rotations', s.rotations, 'rotations in the range')}
${figure('offboardings', s.offboardings, 'offboardings')}
${figure('revokes', s.revokes, 'revokes (leaks)')}
${figure('longest-offboarding', longest, 'longest offboarding, start to last key')}
</div>
</section>

<section id="chart">
<h2>Key age against rotation period</h2>
<p class="legend">Each row is a key: the blue line is its age, falling to zero at each completed rotation; the dashed line is its period
(declared, or its tier's maximum). Red above the dashed line: the key was older than its period. No line: no rotation recorded yet.</p>
${ageChart(report.keys, report.range)}
</section>

<section id="keys">
<h2>Keys</h2>
${keysTable(report.keys)}
</section>

<section id="rotations">
<h2>Rotations in the range</h2>
${rotationsTable(report.history)}
</section>

<section id="offboardings">
<h2>Offboardings</h2>
${offboardingsTable(report)}
</section>

<section id="revokes">
<h2>Revokes (leak response)</h2>
${revokesTable(report)}
</section>

<section id="master-keys">
<h2>File store master keys</h2>
${masterKeysTable(report)}
</section>

<section id="findings">
<h2>Open findings</h2>
${findingsTable(report.keys.flatMap((k) => k.findings))}
</section>

<section id="requirements">
<h2>What each figure evidences</h2>
<table id="requirements-table">
<thead><tr><th>Requirement</th><th>What it asks (summary)</th><th>Evidence in this report</th><th>Sections</th></tr></thead>
<tbody>
${report.requirements
  .map(
    (r) =>
      `<tr data-requirement="${esc(r.id)}"><td><strong>${esc(r.id)}</strong></td><td>${esc(r.says)}</td><td>${esc(r.evidence)}</td>` +
      `<td>${r.sections.map((id) => `<a href="#${esc(id)}">${esc(id)}</a>`).join(', ')}</td></tr>`,
  )
  .join('\n')}
</tbody>
</table>
</section>
</body>
</html>
`;
}

function figure(id: string, value: number | string, label: string): string {
  return `<div class="figure ${id}" data-figure="${id}"><span class="n">${esc(String(value))}</span>${esc(label)}</div>`;
}

function table(id: string, headers: string[], rows: string[], empty: string): string {
  if (!rows.length) return `<p class="empty" id="${id}-empty">${esc(empty)}</p>`;
  return `<table id="${id}">
<thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

const td = (text: string | undefined, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${esc(text ?? '')}</td>`;

function keysTable(keys: readonly KeyReport[]): string {
  return table(
    'keys-table',
    ['Key', 'Purpose', 'Holders', 'Issuer', 'Store', 'Period', 'Rotations', 'Last rotated', 'Next due', 'Standing', 'Findings'],
    keys.map((k) => {
      const standing =
        k.standing === 'failing'
          ? `failing: ${k.failing ?? ''}`
          : k.neverRotated
            ? 'never rotated'
            : k.overdue
              ? `overdue by ${roughDuration(k.overdueMs)}`
              : 'on time';
      return (
        `<tr data-key="${esc(k.key)}" data-standing="${k.standing}">` +
        `<td class="id key">${esc(k.key)}</td>${td(k.purpose)}${td(k.holders.join(', '))}${td(k.issuer)}${td(k.store)}` +
        `${td(k.periodMs === undefined ? 'none' : roughDuration(k.periodMs))}` +
        `<td class="num" data-field="rotations">${k.rotations.filter((r) => r.trigger !== 'retire' && r.trigger !== 'adopt').length}</td>` +
        `${td(when(k.lastRotatedAt) || 'never')}${td(when(k.nextDue) || (k.neverRotated ? 'now' : ''))}` +
        `<td class="standing-${k.standing}">${esc(standing)}</td><td class="num">${k.findings.length}</td></tr>`
      );
    }),
    'No keys are declared.',
  );
}

function rotationsTable(history: readonly HistoryEntry[]): string {
  const sorted = [...history].sort((a, b) => a.key.localeCompare(b.key) || a.finishedAt.localeCompare(b.finishedAt));
  return table(
    'rotations-table',
    ['Key', 'When (finished)', 'Trigger', 'Actor', 'Old key id', 'New key id', 'Outcome', 'Took', 'Reason / error', 'Rotation id'],
    sorted.map(
      (e) =>
        `<tr data-key="${esc(e.key)}" data-rotation="${esc(e.rotationId)}" data-trigger="${esc(e.trigger)}"` +
        ` data-outcome="${esc(e.outcome)}">` +
        `<td class="id key">${esc(e.key)}</td>${td(when(e.finishedAt))}${td(e.trigger)}${td(e.actor)}` +
        `<td class="id">${esc(e.oldKeyId ?? '')}</td><td class="id">${esc(e.newKeyId ?? '')}</td>` +
        `<td class="outcome-${esc(e.outcome)}">${esc(e.outcome)}</td>${td(roughDuration(e.durationMs), 'num')}` +
        `${td([e.reason, e.error].filter(Boolean).join('; '))}<td class="id">${esc(e.rotationId)}</td></tr>`,
    ),
    'No rotation was recorded in this range.',
  );
}

function offboardingsTable(report: Report): string {
  return table(
    'offboardings-table',
    ['Person', 'Started', 'Key', 'Rotated', 'After', 'Outcome', 'Until the last key'],
    report.offboardings.flatMap((o) =>
      o.keys.map(
        (k, i) =>
          `<tr data-person="${esc(o.person)}" data-key="${esc(k.key)}" data-started="${esc(o.startedAt)}">` +
          (i === 0
            ? `<td rowspan="${o.keys.length}">${esc(o.person)}${o.name ? ` (${esc(o.name)})` : ''}</td>` +
              `<td rowspan="${o.keys.length}">${esc(when(o.startedAt))}</td>`
            : '') +
          `<td class="id">${esc(k.key)}</td>${td(when(k.rotatedAt) || 'not rotated')}` +
          td(k.afterMs === undefined ? '' : roughDuration(k.afterMs), 'num') +
          `<td class="outcome-${esc(k.outcome)}">${esc(k.outcome)}</td>` +
          (i === 0
            ? `<td rowspan="${o.keys.length}" class="num" data-field="until-last">${esc(
                o.untilLastMs === undefined ? 'incomplete' : roughDuration(o.untilLastMs),
              )}</td>`
            : '') +
          '</tr>',
      ),
    ),
    'No offboarding in this range.',
  );
}

function revokesTable(report: Report): string {
  return table(
    'revokes-table',
    ['Key', 'Started', 'Finished', 'Actor', 'Reason', 'Old key id (deleted first)', 'New key id', 'Outcome', 'Took'],
    report.revokes.map(
      (r) =>
        `<tr data-key="${esc(r.key)}" data-rotation="${esc(r.rotationId)}">` +
        `<td class="id">${esc(r.key)}</td>${td(when(r.startedAt))}${td(when(r.finishedAt))}${td(r.actor)}` +
        `<td data-field="reason">${esc(r.reason)}</td>` +
        `<td class="id">${esc(r.oldKeyId ?? '')}</td><td class="id">${esc(r.newKeyId ?? '')}</td>` +
        `<td class="outcome-${esc(r.outcome)}">${esc(r.outcome)}</td>${td(roughDuration(r.durationMs), 'num')}</tr>`,
    ),
    'No key was revoked in this range.',
  );
}

function findingsTable(findings: readonly Finding[]): string {
  return table(
    'findings-table',
    ['Key', 'Severity', 'Rule', 'Finding'],
    findings.map(
      (f) =>
        `<tr data-key="${esc(f.key ?? '')}" data-rule="${esc(f.rule)}">` +
        `<td class="id">${esc(f.key ?? '')}</td>${td(f.severity)}${td(f.rule)}${td(f.message)}</tr>`,
    ),
    'No open findings.',
  );
}

/** The file stores' master keys: key-encrypting keys with a cryptoperiod of their own (`keyturn store rekey`). */
function masterKeysTable(report: Report): string {
  if (!report.masterKeys.length) return '<p class="empty">No file store is declared.</p>';
  const rows = report.masterKeys.map((m) => {
    const recorded = m.createdAt ? esc(when(m.createdAt)) : 'not recorded (before its first rekey)';
    const since = m.error !== undefined ? `unreadable: ${esc(m.error)}` : m.exists ? recorded : 'no store file yet';
    const age = m.ageMs === undefined ? '–' : esc(roughDuration(m.ageMs));
    const period = m.periodMs === undefined ? 'not declared' : esc(roughDuration(m.periodMs));
    const standing = m.overdueMs ? `<span class="standing-overdue">overdue by ${esc(roughDuration(m.overdueMs))}</span>` : '';
    const cells = `<td>${since}</td><td class="num">${age}</td><td>${period}</td><td>${standing}</td>`;
    return `<tr data-store="${esc(m.store)}"><td class="key">${esc(m.store)}</td>${cells}</tr>`;
  });
  return `<table id="master-keys-table">
<thead><tr><th>Store</th><th>Master key in use since</th><th>Age</th><th>masterKeyPeriod</th><th></th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}
