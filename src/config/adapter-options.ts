/**
 * Every store's and issuer's options, parsed by its type's parseOptions (src/stores/kinds.ts,
 * src/issuers/kinds.ts) while the file is loaded: a problem is reported at its field with the
 * file's position like any other, and the typed result becomes the adapter's `settings` in the
 * normalized config. An adapter the schema (or a reference check) already found fault with is
 * left at that: its options would repeat the same problem in other words.
 */
import type { OptionsKind } from '../adapters/settings.js';
import { issuerKind } from '../issuers/kinds.js';
import { storeKind } from '../stores/kinds.js';
import type { ProblemList } from './problems.js';
import { loose } from './raw-types.js';

export interface AdapterSettings {
  stores: Map<string, unknown>;
  issuers: Map<string, unknown>;
}

export function parseAdapterOptions(data: unknown, problems: ProblemList): AdapterSettings {
  const root = loose(data);
  return {
    stores: parseSection(root, 'stores', storeKind, problems),
    issuers: parseSection(root, 'issuers', issuerKind, problems),
  };
}

function parseSection(
  root: Record<string, unknown>,
  section: 'stores' | 'issuers',
  kindOf: (type: string) => OptionsKind<unknown> | undefined,
  problems: ProblemList,
): Map<string, unknown> {
  const parsed = new Map<string, unknown>();
  for (const [name, declared] of Object.entries(loose(root[section]))) {
    const { type, ...options } = loose(declared);
    const kind = typeof type === 'string' ? kindOf(type) : undefined;
    if (!kind || problems.hasUnder([section, name])) continue;
    const settings = kind.parseOptions(options, (path, message, hint) => problems.add([section, name, ...path], message, hint));
    if (settings !== undefined) parsed.set(name, settings);
  }
  return parsed;
}
