/**
 * keyturn adopt [KEY…|--all] [--rotated-at DATE] [--dry-run] [--force]: record the credential
 * each key's store already holds as its current one, dated by the issuer or --rotated-at
 * (src/adopt/adopt.ts). Asks nothing: no credential changes, only the rotation record and
 * history. Exit 1 when any key could not be adopted; 2 for a bad --rotated-at, before anything.
 */
import { adoptKey, type AdoptResult } from '../../adopt/adopt.js';
import { parseRotatedAt } from '../../adopt/rotated-at.js';
import type { KeyConfig } from '../../config/types.js';
import { errors, ExitCode, type ExitCodeValue } from '../../errors.js';
import { terminalValue as one } from '../../log/terminal-text.js';
import { ageInDays } from '../../plan/due.js';
import type { GlobalOptions } from '../options.js';
import { shortTime } from '../output.js';
import { withSession } from '../session.js';

interface AdoptArgs extends GlobalOptions {
  keys?: string[];
  all?: boolean;
  rotatedAt?: string;
  dryRun?: boolean;
  force?: boolean;
}

export async function run(argv: AdoptArgs): Promise<ExitCodeValue> {
  const named = argv.keys ?? [];
  if (!named.length && !argv.all) throw errors.usage('name the keys to adopt, or pass --all', 'keyturn status lists the keys');
  if (named.length && argv.all) throw errors.usage('name keys or pass --all, not both');
  return withSession(
    argv,
    async ({ config, res, ctx, out, options }) => {
      const now = ctx.clock.now();
      // checked before any store is read: a bad date changes nothing
      const rotatedAt = argv.rotatedAt === undefined ? undefined : parseRotatedAt(argv.rotatedAt, now);
      const keys = argv.all ? config.keys : named.map((id) => keyNamed(config.keys, id));
      const results: AdoptResult[] = [];
      // one key at a time: an issuer's identify is one read, and adoption happens once per key
      for (const key of keys) results.push(await adoptKey(key, res, { rotatedAt, force: argv.force, dryRun: Boolean(argv.dryRun) }));
      if (options.json) out.json({ dryRun: Boolean(argv.dryRun), keys: results });
      else render(results, now, Boolean(argv.dryRun), out);
      return results.some((r) => r.outcome === 'failed') ? ExitCode.failed : ExitCode.ok;
    },
    { dryRun: argv.dryRun },
  );
}

function keyNamed(keys: readonly KeyConfig[], id: string): KeyConfig {
  const key = keys.find((k) => k.id === id);
  if (!key) throw errors.unknownKey(id);
  return key;
}

function render(results: readonly AdoptResult[], now: Date, dryRun: boolean, out: { line(t?: string): void; table: Table }): void {
  out.table(
    ['KEY', 'OUTCOME', 'KEY ID', 'CREATED', 'AGE', 'FROM', 'NOTE'],
    results.map((r) => [
      r.key,
      r.outcome === 'adopted' && r.dryRun ? 'would adopt' : r.outcome,
      r.keyId,
      shortTime(r.createdAt),
      r.createdAt ? `${ageInDays(r.createdAt, now)} days` : undefined,
      r.source === 'operator' ? '--rotated-at' : r.source,
      [r.error ?? r.note, r.relabeledFrom !== undefined ? `store version ${r.relabeledFrom} named ${r.keyId} (same value)` : undefined]
        .filter(Boolean)
        .join('; ') || undefined,
    ]),
  );
  for (const r of results.filter((x) => x.hint)) out.line(`  ${r.key}: hint: ${one(r.hint ?? '')}`);
  if (dryRun) out.line('Dry run: nothing has been recorded.');
}

type Table = (headers: string[], rows: Array<Array<string | undefined>>) => void;
