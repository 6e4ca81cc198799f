/**
 * keyturn scan [PATH…] [--git] [--revoke] [--json]: look for the secrets keyturn manages
 * (every key's CURRENT, PENDING and PREVIOUS values, as written and base64, base64url,
 * URL-encoded, hex) in files — gitignored ones too — and with --git in every file version of
 * the repositories' history. A finding names where (path and line, or commit, path and line),
 * the key, field, version and encoding: never any part of the value. Exit 1 on any finding.
 * --revoke runs leak mode (src/cli/commands/revoke.ts) for every key found.
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import { DEFAULT_MAX_BYTES, emptyStats, scanFiles, type Hit, type ScanStats } from '../../scan/files.js';
import { repositoryOf, scanHistory } from '../../scan/git.js';
import { SecretMatcher, type Encoding, type Version } from '../../scan/matcher.js';
import { managedSecrets } from '../../scan/secrets.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';
import { leakResponse, printReport } from './revoke.js';

export interface ScanArgs extends GlobalOptions {
  paths?: string[];
  git?: boolean;
  revoke?: boolean;
  yes?: boolean;
  maxSize?: number;
  concurrency?: number;
}

export interface Finding {
  path: string;
  line: number;
  /** set for a finding in history */
  commit?: string;
  key: string;
  field: string;
  version: Version;
  encoding: Encoding;
}

export async function run(argv: ScanArgs): Promise<ExitCodeValue> {
  const roots = (argv.paths?.length ? argv.paths : ['.']).map((p) => path.resolve(p));
  for (const root of roots) {
    const info = await lstat(root).catch(() => undefined);
    if (!info) throw errors.usage(`scan: no such file or folder: ${path.relative(process.cwd(), root) || root}`);
  }
  const maxBytes = (argv.maxSize ?? DEFAULT_MAX_BYTES / (1024 * 1024)) * 1024 * 1024;
  return withSession(
    argv,
    async (session) => {
      const { out, ctx } = session;
      const started = performance.now();
      const matcher = new SecretMatcher(await managedSecrets(session.config, session.res));
      const findings: Finding[] = [];
      const shown = (file: string) => path.relative(process.cwd(), file) || '.';
      const add = (where: { path: string; commit?: string }, hits: Hit[]) => {
        const seen = new Set<string>();
        for (const { line, form } of hits) {
          const { key, field, version } = form.secret;
          const id = `${line}\0${key}\0${field}\0${version}`;
          if (seen.has(id)) continue;
          seen.add(id);
          findings.push({ ...where, line, key, field, version, encoding: form.encoding });
        }
      };
      const files = await scanFiles(roots, matcher, { maxBytes }, (file, hits) => add({ path: shown(file) }, hits));
      let history: (ScanStats & { commits: number; blobs: number; repositories: number }) | undefined;
      if (argv.git) {
        const repos = new Set<string>();
        for (const root of roots) {
          const repo = await repositoryOf((await lstat(root)).isDirectory() ? root : path.dirname(root));
          if (repo) repos.add(repo);
        }
        if (!repos.size) throw errors.usage('scan --git: no path given is inside a git repository');
        history = { ...emptyStats(), commits: 0, blobs: 0, repositories: repos.size };
        for (const repo of repos) {
          const stats = await scanHistory(repo, matcher, { maxBytes }, (hit) =>
            add({ commit: hit.commit, path: path.join(shown(repo) === '.' ? '' : shown(repo), hit.path) }, hit.hits),
          );
          for (const k of Object.keys(stats) as Array<keyof typeof stats>) history[k] += stats[k];
        }
      }
      findings.sort((a, b) => (a.commit ?? '').localeCompare(b.commit ?? '') || a.path.localeCompare(b.path) || a.line - b.line);
      const summary = {
        secrets: matcher.values,
        forms: matcher.forms,
        tooShortToSearch: matcher.tooShort,
        files,
        history,
        seconds: +((performance.now() - started) / 1000).toFixed(2),
      };
      const keys = [...new Set(findings.map((f) => f.key))].sort();
      const revocable = keys.filter((id) => session.config.keys.some((k) => k.id === id));
      const byHand = keys.filter((id) => !revocable.includes(id));
      let exitCode: ExitCodeValue = findings.length ? ExitCode.failed : ExitCode.ok;
      if (!session.options.json) printFindings(out.line, findings, summary);
      let revoked;
      if (argv.revoke && byHand.length && !session.options.json) {
        out.line();
        for (const id of byHand) {
          out.line(
            `${id}: no API revokes it: delete it by hand at the exchange (web UI, 2FA), then store its replacement (keyturn store put)`,
          );
        }
      }
      if (argv.revoke && revocable.length) {
        const where = findings[0]!;
        const more = findings.length > 1 ? ` and ${findings.length - 1} more` : '';
        const reason = `found by keyturn scan (${where.commit ? `${where.commit.slice(0, 12)}:` : ''}${where.path}:${where.line}${more})`;
        const chosen = revocable.map((id) => ({
          key: session.config.keys.find((k) => k.id === id)!,
          trigger: 'revoke' as const,
          why: `leak: ${reason}`,
        }));
        if (!session.options.json) out.line();
        revoked = await leakResponse(session, chosen, { reason, yes: argv.yes, concurrency: argv.concurrency });
        if (revoked) {
          if (!session.options.json) printReport(session, revoked.report);
          if (revoked.exitCode > exitCode) exitCode = revoked.exitCode;
        }
      }
      ctx.logger.debug('scan done', { findings: findings.length });
      if (session.options.json) {
        out.json({
          findings,
          keys,
          summary,
          ...(argv.revoke ? { notRevocable: byHand } : {}),
          ...(revoked ? { revoke: { ...revoked.report, exitCode: revoked.exitCode } } : {}),
          exitCode,
        });
      }
      return exitCode;
    },
    { dryRun: !argv.revoke },
  );
}

function printFindings(line: (text?: string) => void, findings: Finding[], summary: Record<string, unknown>): void {
  for (const f of findings) {
    const where = `${f.commit ? `${f.commit.slice(0, 12)} ` : ''}${f.path}:${f.line}`;
    line(`${where}: ${f.key} (${f.field}, ${f.version}, ${f.encoding})`);
  }
  const files = summary.files as ScanStats;
  const history = summary.history as (ScanStats & { commits: number; blobs: number }) | undefined;
  const skipped = `${files.skippedBinary} binary, ${files.skippedLarge} over the size limit, ${files.unreadable} unreadable`;
  line(
    `${findings.length} finding(s) of ${summary.secrets as number} secret value(s); ${files.files} file(s), ` +
      `${(files.bytes / 1e6).toFixed(1)} MB read; skipped ${skipped}` +
      (history
        ? `; history: ${history.commits} commit(s), ${history.blobs} file version(s), ${(history.bytes / 1e6).toFixed(1)} MB, ` +
          `skipped ${history.skippedBinary} binary and ${history.skippedLarge} large`
        : '') +
      `; ${summary.seconds as number}s`,
  );
  if ((summary.tooShortToSearch as number) > 0) {
    line(`${summary.tooShortToSearch as number} value(s) shorter than 12 characters were not searched (too short to tell apart from text)`);
  }
}
