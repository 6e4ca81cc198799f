/**
 * Each key's spec, parsed by its issuer type's own parser (src/issuers/kinds.ts) and kept for
 * the normalized config (KeyConfig.issuerSpec, by the key's index), and each
 * consumer's and check's env mapping checked against the material fields that issuer type
 * declares. Both are judged from the file, so `keyturn validate` reports them with their
 * positions instead of a run failing after promote. Reads unvalidated data through loose().
 */
import { issuerKind } from '../issuers/kinds.js';
import type { IssuerKind } from '../issuers/spec.js';
import type { ProblemList } from './problems.js';
import { loose, looseList } from './raw-types.js';
import { resolveIssuer } from './references.js';
import { closest } from './suggest.js';

export function checkIssuerSpecs(data: unknown, problems: ProblemList): unknown[] {
  const specs: unknown[] = [];
  const root = loose(data);
  const defaults = loose(root.defaults);
  const issuers = loose(root.issuers);
  const keys = looseList(root.keys);
  // thousands of keys share a few issuers: each issuer's kind and options are looked up once
  const declared = new Map<string, { type: unknown; kind: IssuerKind | undefined; options: Record<string, unknown> }>();
  for (let index = 0; index < keys.length; index++) {
    const key = loose(keys[index]);
    const name = resolveIssuer(key, defaults);
    if (name === undefined || !Object.hasOwn(issuers, name)) continue;
    let issuer = declared.get(name);
    if (!issuer) {
      const { type, ...options } = loose(issuers[name]);
      issuer = { type, kind: typeof type === 'string' ? issuerKind(type) : undefined, options };
      declared.set(name, issuer);
    }
    const { type, kind, options } = issuer;
    if (!kind) continue;
    const report = (path: ReadonlyArray<string | number>, message: string, hint?: string) =>
      problems.add(['keys', index, 'spec', ...path], message, hint);
    const spec = kind.parseSpec(loose(key.spec), options, report);
    specs[index] = spec;
    const fields = kind.fields(spec, options);
    if (fields === undefined) continue;
    const describe = `issuer \`${name}\` (${String(type)})`;
    for (const section of ['consumers', 'checks'] as const) {
      looseList(key[section]).forEach((user, i) => {
        for (const [envName, field] of Object.entries(loose(loose(user).env))) {
          if (typeof field !== 'string' || fields.includes(field)) continue;
          const guess = closest(field, fields);
          problems.add(
            ['keys', index, section, i, 'env', envName],
            `the key has no field \`${field}\`: ${describe} gives ${fields.map((f) => `\`${f}\``).join(', ')}`,
            guess ? `did you mean \`${guess}\`?` : undefined,
          );
        }
      });
    }
  }
  return specs;
}
