/**
 * keyturn audit [--strict] [--json]: every security rule — the static ones from rotation.yaml
 * and the store's rotation records, the live ones against each issuer that can list its keys.
 * Exit 1 when any finding is an error (with --strict an overdue key is one).
 */
import { liveFindings } from '../../audit/live.js';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { stateFindings, type Finding } from '../../policy/index.js';
import type { GlobalOptions } from '../options.js';
import { withSession } from '../session.js';
import { refOf } from '../../model.js';

const ORDER = { error: 0, warn: 1, info: 2 } as const;

export async function run(argv: GlobalOptions & { strict?: boolean }): Promise<ExitCodeValue> {
  return withSession(
    argv,
    async ({ config, findings, res, ctx, out, options }) => {
      const now = ctx.clock.now();
      const all: Finding[] = [...findings];
      for (const key of config.keys) {
        const record = await (await res.store(key.store)).rotation(refOf(key));
        all.push(...stateFindings(key, record.lastRotatedAt, now, { strict: argv.strict }));
      }
      all.push(...(await liveFindings(config, res)));
      all.sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || (a.key ?? '').localeCompare(b.key ?? ''));
      const errors = all.filter((f) => f.severity === 'error').length;
      if (options.json) out.json({ findings: all, errors });
      else {
        for (const f of all) out.line(`${f.severity.toUpperCase().padEnd(5)} ${f.rule}${f.key ? ` ${f.key}` : ''}: ${f.message}`);
        out.line(`${all.length} finding(s), ${errors} error(s)`);
      }
      return errors > 0 ? ExitCode.failed : ExitCode.ok;
    },
    { dryRun: true },
  );
}
