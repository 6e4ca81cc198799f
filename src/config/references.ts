/**
 * Names that must point somewhere: a key's issuer, store and holders, team members and a
 * person's teams; and names that must be unique: key ids, store locations. Runs even when
 * the schema failed (so every problem shows at once), reading the data defensively.
 * Lookups go through maps and sets: a 10,000-key file costs one pass.
 */
import type { LineColumn } from './source-map.js';
import type { ProblemList } from './problems.js';
import { loose, looseList } from './raw-types.js';
import { closest } from './suggest.js';

export const TEAM_PREFIX = 'team:';

/** A key's store: its own, else defaults.store, else the only store there is. */
export function resolveStore(
  key: Record<string, unknown>,
  defaults: Record<string, unknown>,
  stores: Record<string, unknown>,
): string | undefined {
  if (typeof key.store === 'string') return key.store;
  if (typeof defaults.store === 'string') return defaults.store;
  const names = Object.keys(stores);
  return names.length === 1 ? names[0] : undefined;
}

export function resolveIssuer(key: Record<string, unknown>, defaults: Record<string, unknown>): string | undefined {
  if (typeof key.issuer === 'string') return key.issuer;
  return typeof defaults.issuer === 'string' ? defaults.issuer : undefined;
}

export function checkReferences(data: unknown, problems: ProblemList, keyPosition: (index: number) => LineColumn): void {
  const root = loose(data);
  const defaults = loose(root.defaults);
  const stores = loose(root.stores);
  const issuers = loose(root.issuers);
  const people = loose(root.people);
  const teams = loose(root.teams);

  const unknown = (what: string, name: string, known: Record<string, unknown>, section: string): [string, string] => {
    const guess = closest(name, Object.keys(known));
    const names = Object.keys(known);
    const hint = guess
      ? `did you mean \`${guess}\`?`
      : names.length
        ? `declared under ${section}: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', …' : ''}`
        : `nothing is declared under ${section}`;
    return [`unknown ${what} \`${name}\``, hint];
  };

  if (typeof defaults.store === 'string' && !(defaults.store in stores))
    problems.add(['defaults', 'store'], ...unknown('store', defaults.store, stores, 'stores'));
  if (typeof defaults.issuer === 'string' && !(defaults.issuer in issuers))
    problems.add(['defaults', 'issuer'], ...unknown('issuer', defaults.issuer, issuers, 'issuers'));

  for (const [id, person] of Object.entries(people)) {
    looseList(loose(person).teams).forEach((team, i) => {
      if (typeof team === 'string' && !(team in teams)) problems.add(['people', id, 'teams', i], ...unknown('team', team, teams, 'teams'));
    });
  }
  for (const [id, team] of Object.entries(teams)) {
    looseList(loose(team).members).forEach((member, i) => {
      if (typeof member === 'string' && !(member in people))
        problems.add(['teams', id, 'members', i], ...unknown('person', member, people, 'people'));
    });
  }

  const firstById = new Map<string, number>();
  const firstByLocation = new Map<string, number>();
  const storeNames = Object.keys(stores);
  const rawKeys = looseList(root.keys);
  const consumerNames = new Set<string>();
  for (let index = 0; index < rawKeys.length; index++) {
    const key = loose(rawKeys[index]);
    // paths are built only when there is something to report
    const at = (...rest: Array<string | number>) => ['keys', index, ...rest];

    let duplicateId = false;
    if (typeof key.id === 'string') {
      const first = firstById.get(key.id);
      if (first === undefined) firstById.set(key.id, index);
      else {
        duplicateId = true;
        problems.add(
          at('id'),
          `duplicate key id \`${key.id}\`: keys[${first}] (line ${keyPosition(first).line}) has it too`,
          'every key needs its own id',
        );
      }
    }

    if (key.issuer !== undefined) {
      if (typeof key.issuer === 'string' && !(key.issuer in issuers))
        problems.add(at('issuer'), ...unknown('issuer', key.issuer, issuers, 'issuers'));
    } else if (typeof defaults.issuer !== 'string') {
      problems.add(
        at('issuer'),
        'no issuer: this key names none and there is no defaults.issuer',
        'add `issuer: NAME` (a name under issuers)',
      );
    }

    const store = resolveStore(key, defaults, stores);
    if (key.store !== undefined) {
      if (typeof key.store === 'string' && !(key.store in stores))
        problems.add(at('store'), ...unknown('store', key.store, stores, 'stores'));
    } else if (store === undefined) {
      problems.add(
        at('store'),
        storeNames.length === 0
          ? 'no store: nothing is declared under stores'
          : 'no store: this key names none, there is no defaults.store, and there is more than one store',
        'add `store: NAME` or defaults.store',
      );
    }
    const path = typeof key.path === 'string' ? key.path : typeof key.id === 'string' ? key.id : undefined;
    if (store !== undefined && path !== undefined) {
      const location = `${store}\u0000${path}`;
      const first = firstByLocation.get(location);
      if (first === undefined) firstByLocation.set(location, index);
      else if (!(duplicateId && key.path === undefined)) {
        problems.add(
          at('path'),
          `keys[${first}] (line ${keyPosition(first).line}) is stored at the same place: store \`${store}\`, path \`${path}\``,
          'two keys in one place overwrite each other: give each its own path',
        );
      }
    }

    const holders = looseList(key.holders);
    for (let i = 0; i < holders.length; i++) {
      const holder = holders[i];
      if (typeof holder !== 'string') continue;
      if (holder.startsWith(TEAM_PREFIX)) {
        const team = holder.slice(TEAM_PREFIX.length);
        if (!(team in teams)) problems.add(at('holders', i), ...unknown('team', team, teams, 'teams'));
      } else if (!(holder in people)) {
        problems.add(at('holders', i), ...unknown('holder', holder, people, 'people'));
      }
    }

    if (key.period === undefined && key.tier === undefined && key.ttl === undefined && defaults.tier === undefined) {
      problems.add(
        at('period'),
        'no rotation period: a key needs `period`, `tier` or `ttl`',
        'e.g. `period: 90d`, or `tier: normal` to rotate at its longest period',
      );
    }

    const consumers = looseList(key.consumers);
    if (consumers.length > 1) {
      consumerNames.clear();
      for (let i = 0; i < consumers.length; i++) {
        const name = loose(consumers[i]).name;
        if (typeof name !== 'string') continue;
        if (consumerNames.has(name)) problems.add(at('consumers', i, 'name'), `duplicate consumer name \`${name}\` in this key`);
        consumerNames.add(name);
      }
    }
  }
}
