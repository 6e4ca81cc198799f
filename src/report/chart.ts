/**
 * The age-against-period chart: one row per key, its age over the range as a sawtooth that
 * drops to zero at each completed rotation, the period as a dashed line, and the part of the
 * line above the period drawn in red. Plain inline SVG: nothing to load.
 */
import type { KeyReport, ReportRange } from './model.js';
import { escapeHtml as esc, roughDuration, day } from './text.js';

const WIDTH = 960;
const LABEL = 200;
const RIGHT = 120;
const ROW = 44;
const TOP = 28;
const PLOT = WIDTH - LABEL - RIGHT;

export function ageChart(keys: readonly KeyReport[], range: ReportRange): string {
  const since = Date.parse(range.since);
  const until = Date.parse(range.until);
  const span = Math.max(1, until - since);
  const x = (t: number) => LABEL + ((t - since) / span) * PLOT;
  const height = TOP + keys.length * ROW + 8;
  const rows = keys.map((k, i) => row(k, i, x)).join('\n');
  // a range of a day or two is labelled to the minute, a longer one by day
  const label = (t: number) =>
    span < 2 * 86_400_000 ? new Date(t).toISOString().slice(5, 16).replace('T', ' ') : day(new Date(t).toISOString());
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const at = x(since + f * span);
      return `<line x1="${at.toFixed(1)}" y1="${TOP - 6}" x2="${at.toFixed(1)}" y2="${height - 8}" class="grid"/>
<text x="${at.toFixed(1)}" y="${TOP - 10}" class="tick" text-anchor="middle">${esc(label(since + f * span))}</text>`;
    })
    .join('\n');
  return `<svg id="age-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}"
 width="${WIDTH}" height="${height}" role="img"
 aria-label="Each key's age against its rotation period, ${esc(day(range.since))} to ${esc(day(range.until))}"
 data-since="${esc(range.since)}" data-until="${esc(range.until)}">
${ticks}
${rows}
</svg>`;
}

function row(k: KeyReport, i: number, x: (t: number) => number): string {
  const top = TOP + i * ROW + 4;
  const bottom = top + ROW - 10;
  const period = k.periodMs;
  const ceiling = Math.max(period ?? 0, k.age.maxAgeMs, 1) * 1.08;
  const y = (age: number) => bottom - (age / ceiling) * (bottom - top);
  const points = k.age.points.map(([t, age]) => `${x(t).toFixed(1)},${y(age).toFixed(1)}`).join(' ');
  const periodY = period === undefined ? undefined : y(period);
  const py = periodY?.toFixed(1);
  const band = periodY === undefined ? '0' : Math.max(0, periodY - top).toFixed(1);
  const state = k.age.exceeded ? 'exceeded' : k.age.points.length ? 'within' : 'unknown';
  const note =
    (k.age.points.length ? `oldest ${roughDuration(k.age.maxAgeMs)}` : 'never rotated') +
    (period === undefined ? '' : ` / ${roughDuration(period)}`);
  const title =
    `${k.key}: ${k.age.resets} rotation(s) in the range; ` +
    (k.age.points.length ? `greatest age ${roughDuration(k.age.maxAgeMs)}` : 'age unknown (no rotation recorded)') +
    (period === undefined ? '' : `; period ${roughDuration(period)}`);
  // the red copy of the line is clipped to the band above the period line
  const over =
    periodY === undefined || !points
      ? ''
      : `<rect x="${LABEL}" y="${top}" width="${PLOT}" height="${band}" class="over-band"/>` +
        `<polyline points="${points}" class="age over" clip-path="url(#over-${i}-band)"/>`;
  return `<g class="series ${state}" data-key="${esc(k.key)}" data-resets="${k.age.resets}" data-points="${k.age.points.length}"
 data-max-age-ms="${k.age.maxAgeMs}" data-period-ms="${period ?? ''}" data-exceeded="${k.age.exceeded}">
<title>${esc(title)}</title>
<clipPath id="over-${i}-band"><rect x="${LABEL}" y="${top}" width="${PLOT}" height="${band}"/></clipPath>
<text x="${LABEL - 8}" y="${(top + bottom) / 2 + 4}" class="label" text-anchor="end">${esc(k.key)}</text>
<line x1="${LABEL}" y1="${bottom}" x2="${LABEL + PLOT}" y2="${bottom}" class="axis"/>
${periodY === undefined ? '' : `<line x1="${LABEL}" y1="${py}" x2="${LABEL + PLOT}" y2="${py}" class="period"/>`}
${points ? `<polyline points="${points}" class="age"/>` : ''}
${over}
<text x="${LABEL + PLOT + 8}" y="${(top + bottom) / 2 + 4}" class="note">${esc(note)}</text>
</g>`;
}
