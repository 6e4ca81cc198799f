/**
 * keyturn audit [--strict] [--json] [--delete-unknown [--yes]]: every security rule — the
 * static ones from rotation.yaml and the store's rotation records, the live ones against each
 * issuer that can list its keys. Exit 1 when any finding is an error (with --strict an overdue
 * key is one). --delete-unknown deletes, after showing them and asking, the keys an issuer
 * holds that rotation.yaml does not know, and records each in history ("unknown key").
 */
import { liveFindings } from '../../audit/live.js';
import { deleteUnknownKey, findUnknownKeys, type Deletion } from '../../audit/unknown-keys.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import { stateFindings, type Finding } from '../../policy/index.js';
import type { GlobalOptions } from '../options.js';
import { approved } from '../prompt.js';
import { withSession, type Session } from '../session.js';
import { refOf } from '../../model.js';

const ORDER = { error: 0, warn: 1, info: 2 } as const;

export async function run(argv: GlobalOptions & { strict?: boolean; deleteUnknown?: boolean; yes?: boolean }): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async (session) => {
      const { config, findings, res, ctx, out, options } = session;
      const deletions = argv.deleteUnknown ? await deleteUnknown(session, argv.yes) : undefined;
      if (deletions === null) return ExitCode.ok;
      const now = ctx.clock.now();
      const all: Finding[] = [...findings];
      for (const key of config.keys) {
        const record = await (await res.store(key.store)).rotation(refOf(key));
        all.push(...stateFindings(key, record.lastRotatedAt, now, { strict: argv.strict }));
      }
      // after the deletions: what is left is what the issuers hold now
      all.push(...(await liveFindings(config, res)));
      all.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.key ?? '').localeCompare(b.key ?? ''));
      const errors = all.filter((f) => f.severity === 'error').length;
      const failedDeletions = deletions?.filter((d) => d.error).length ?? 0;
      if (options.json) out.json({ findings: all, errors, ...(deletions ? { deleted: deletions } : {}) });
      else {
        for (const d of deletions ?? []) {
          const what = `unknown key ${d.keyId}${d.name ? ` (${d.name})` : ''} at ${d.issuer}/${d.account}`;
          const proven = d.proven ? ', proven dead' : '';
          out.line(d.error ? `FAILED to delete ${what}: ${d.error}` : `deleted ${what}${proven}; recorded in ${d.recordedIn}'s history`);
        }
        for (const f of all) out.line(`${f.severity.toUpperCase().padEnd(5)} ${f.rule}${f.key ? ` ${f.key}` : ''}: ${f.message}`);
        out.line(`${all.length} finding(s), ${errors} error(s)`);
      }
      if (failedDeletions) return ExitCode.needsAttention;
      return errors > 0 ? ExitCode.failed : ExitCode.ok;
    },
    { dryRun: !argv.deleteUnknown },
  );
}

/** Show the unknown keys, ask (or --yes), delete each; null when the operator declined. */
async function deleteUnknown(session: Session, yes: boolean | undefined): Promise<Deletion[] | null> {
  const { res, ctx } = session;
  const unknown = await findUnknownKeys(session.config, res);
  if (!unknown.length) return [];
  if (!yes) {
    const lines = [`${unknown.length} key(s) at the issuers that rotation.yaml does not know (treat them as theft):`];
    for (const u of unknown) {
      const created = u.createdAt ? `, created ${u.createdAt}` : '';
      lines.push(`  ${one(u.issuer)}/${one(u.account)}: ${one(u.keyId)}${u.name ? ` (${one(u.name)})` : ''}${created}`);
    }
    const question = `Delete these ${unknown.length} key(s) now?`;
    if (!(await approved(ctx.prompt, { yes, doing: 'deleting unknown keys', question, shown: lines.join('\n') }))) return null;
  }
  const out: Deletion[] = [];
  for (const u of unknown) out.push(await deleteUnknownKey(u, res));
  return out;
}
