/**
 * keyturn report: the evidence report for auditors, from rotation.yaml and the stores'
 * history — HTML (one self-contained file), CSV (one row per rotation) or JSON. Reads only:
 * rotation records and history, never a key's material.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import { terminalJson } from '../../log/terminal-text.js';
import type { HistoryEntry } from '../../model.js';
import { readStates } from '../../plan/build.js';
import { buildReport } from '../../report/build.js';
import { renderCsv } from '../../report/csv.js';
import { renderHtml } from '../../report/html.js';
import type { Report } from '../../report/model.js';
import { reportRange } from '../../report/range.js';
import { roughDuration } from '../../report/text.js';
import { masterKeyAges } from '../../stores/file/master-key-age.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';

export type ReportFormat = 'html' | 'csv' | 'json';

export interface ReportOptions extends GlobalOptions {
  format?: ReportFormat;
  out?: string;
  since?: string;
  until?: string;
}

const BY_EXTENSION: Record<string, ReportFormat> = { '.html': 'html', '.htm': 'html', '.csv': 'csv', '.json': 'json' };

/** --format, else the --out file's extension, else --json, else HTML. */
export function formatOf(argv: ReportOptions): ReportFormat {
  if (argv.format) return argv.format;
  const byName = argv.out ? BY_EXTENSION[path.extname(argv.out).toLowerCase()] : undefined;
  return byName ?? (argv.json ? 'json' : 'html');
}

export async function run(argv: ReportOptions): Promise<ExitCodeValue> {
  const format = formatOf(argv);
  return withSession(
    argv,
    async ({ config, findings, res, ctx, out, options }) => {
      const started = performance.now();
      const now = ctx.clock.now();
      const states = await readStates(config, res);
      const storeNames = [...new Set(config.keys.map((k) => k.store))];
      const history: HistoryEntry[] = (await Promise.all(storeNames.map(async (name) => (await res.store(name)).history()))).flat();
      const range = reportRange(argv, history, now);
      const report = buildReport({
        config,
        records: new Map([...states].map(([id, s]) => [id, s.record])),
        history,
        findings,
        range,
        now,
        masterKeys: await masterKeyAges(config.stores, res.store, now),
      });
      const text = ctx.redactor.redact(render(report, format));
      if (!argv.out) {
        process.stdout.write(text);
        return ExitCode.ok;
      }
      const file = path.resolve(argv.out);
      await writeReport(file, text);
      const ms = Math.round(performance.now() - started);
      const s = report.summary;
      if (options.json) {
        out.json({ file, format, bytes: Buffer.byteLength(text), range, summary: s, ms });
      } else {
        out.line(
          `Report written to ${argv.out} (${format}, ${Buffer.byteLength(text)} bytes, ${ms} ms): ${s.keys} key(s), ` +
            `${s.onTime} on time, ${s.overdue} overdue, ${s.failing} failing; ${s.rotations} rotation(s), ` +
            `${s.offboardings} offboarding(s), ${s.revokes} revoke(s)` +
            (s.longestOffboardingMs === undefined ? '' : `; longest offboarding ${roughDuration(s.longestOffboardingMs)}`),
        );
      }
      return ExitCode.ok;
    },
    { dryRun: true },
  );
}

function render(report: Report, format: ReportFormat): string {
  if (format === 'csv') return renderCsv(report);
  if (format === 'json') return terminalJson(`${JSON.stringify(report, null, 2)}\n`);
  return renderHtml(report);
}

/**
 * The report names people and key ids: a new file is created 0600 (an existing one keeps its mode), written whole
 * beside the target and renamed over it, so a reader never sees half a report.
 */
async function writeReport(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  let mode = 0o600;
  try {
    const existing = await open(file, 'r');
    mode = (await existing.stat()).mode & 0o777;
    await existing.close();
  } catch {
    // no file yet: 0600
  }
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw errors.usage(
      `cannot write the report to ${file}: ${code ?? (error as Error).message}`,
      'give --out a path in a folder you can write',
    );
  }
}
