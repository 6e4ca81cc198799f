/**
 * Consumers shared by the keys of one run. Every key declares the consumers that use it, so
 * a service that uses three keys is declared three times; rotated in one run, it would be
 * restarted three times, each time with one key's variables. Entries are the same consumer
 * when they have the same name or the same restart target (src/consumers/identity.ts), and
 * such a group is restarted once, with every key's env mapping applied together, and
 * health-checked once (src/engine/shared-restarts.ts runs it).
 *
 * A group is refused, and each of its keys restarts the consumer alone as before, when one
 * restart cannot stand for every entry: the entries differ in restart, health check or
 * timeout, two keys map the same variable (one would overwrite the other), or one key
 * declares the consumer twice. The plan and the run say so.
 */
import type { ConsumerConfig, KeyConfig } from '../config/types.js';
import { restartShape, restartTarget } from '../consumers/identity.js';
import { effectiveHealth } from '../consumers/presets.js';

export interface GroupMember {
  key: string;
  /** the key's own declaration: its env mapping is this key's share */
  consumer: ConsumerConfig;
  /** its position in the key's consumers */
  index: number;
}

export interface ConsumerGroup {
  /** the consumer's name (names joined with / when the entries name one target differently) */
  name: string;
  /** the restart, health check and timeout, which every member declares alike */
  consumer: ConsumerConfig;
  /** two or more keys, in the order of rotation.yaml */
  members: GroupMember[];
  /** members that are not rotated in this run: the consumer gets the key they have now */
  bystanders: string[];
}

export interface RefusedGroup {
  name: string;
  keys: string[];
  reason: string;
}

export interface ConsumerGrouping {
  groups: ConsumerGroup[];
  refused: RefusedGroup[];
}

export function groupConsumers(keys: readonly KeyConfig[]): ConsumerGrouping {
  // a key named twice on the command line is still one key
  const unique = [...new Map(keys.map((key) => [key.id, key])).values()];
  const entries: GroupMember[] = unique.flatMap((key) => key.consumers.map((consumer, index) => ({ key: key.id, consumer, index })));
  const parent = entries.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root]!;
    for (let at = i; at !== root;) {
      const next = parent[at]!;
      parent[at] = root;
      at = next;
    }
    return root;
  };
  const first = new Map<string, number>();
  entries.forEach((entry, i) => {
    const target = restartTarget(entry.consumer.restart);
    for (const identity of [`name ${entry.consumer.name}`, target && `target ${target}`]) {
      if (!identity) continue;
      const seen = first.get(identity);
      if (seen === undefined) first.set(identity, i);
      else parent[find(i)] = find(seen);
    }
  });
  const components = new Map<number, GroupMember[]>();
  entries.forEach((entry, i) => {
    const root = find(i);
    const members = components.get(root);
    if (members) members.push(entry);
    else components.set(root, [entry]);
  });

  const grouping: ConsumerGrouping = { groups: [], refused: [] };
  for (const members of components.values()) {
    const keyIds = [...new Set(members.map((m) => m.key))];
    if (keyIds.length < 2) continue;
    const name = [...new Set(members.map((m) => m.consumer.name))].join('/');
    const reason = refusal(members);
    if (reason) grouping.refused.push({ name, keys: keyIds, reason });
    else grouping.groups.push({ name, consumer: members[0]!.consumer, members, bystanders: [] });
  }
  return grouping;
}

/** Why one restart cannot serve these entries, or undefined when it can. */
function refusal(members: readonly GroupMember[]): string | undefined {
  const byKey = new Map<string, number>();
  for (const m of members) byKey.set(m.key, (byKey.get(m.key) ?? 0) + 1);
  const twice = [...byKey].find(([, n]) => n > 1);
  if (twice) return `key ${twice[0]} declares it more than once`;
  const shape = restartShape(members[0]!.consumer);
  const other = members.find((m) => restartShape(m.consumer) !== shape);
  if (other) return `keys ${members[0]!.key} and ${other.key} declare it differently (restart, health check and timeout must match)`;
  const mappedBy = new Map<string, string>();
  for (const m of members) {
    for (const variable of Object.keys(m.consumer.env)) {
      const earlier = mappedBy.get(variable);
      if (earlier) return `keys ${earlier} and ${m.key} both map ${variable}`;
      mappedBy.set(variable, m.key);
    }
  }
  return undefined;
}

/**
 * The groups that concern the keys a run rotates. Every key of rotation.yaml that shares a
 * consumer with one of them belongs to its group: a service that uses keys a and b, restarted
 * for a alone, must still get b's variables, so b rides along with the key it has now (a
 * bystander). Groups and refusals that touch no rotated key are left out.
 */
export function groupsForRun(all: readonly KeyConfig[], rotated: readonly KeyConfig[]): ConsumerGrouping {
  const running = new Map(rotated.map((key) => [key.id, key]));
  const declared = new Set(all.map((key) => key.id));
  const keys = [...all.map((key) => running.get(key.id) ?? key), ...rotated.filter((key) => !declared.has(key.id))];
  const grouping = groupConsumers(keys);
  return {
    groups: grouping.groups
      .filter((g) => g.members.some((m) => running.has(m.key)))
      .map((g) => ({ ...g, bystanders: g.members.filter((m) => !running.has(m.key)).map((m) => m.key) })),
    refused: grouping.refused.filter((r) => r.keys.some((key) => running.has(key))),
  };
}

/** One line per group for plans and logs: "restart api once for keys a, b with the current key of c". */
export function describeGroup(group: ConsumerGroup): string {
  const rotated = group.members.filter((m) => !group.bystanders.includes(m.key)).map((m) => m.key);
  const head =
    rotated.length > 1 ? `restart ${group.name} once for keys ${rotated.join(', ')}` : `restart ${group.name} for key ${rotated[0]}`;
  const along = group.bystanders.length ? ` with the current key of ${group.bystanders.join(', ')}` : '';
  const health = effectiveHealth(group.consumer) ? ', health-checked once' : '';
  return `${head}${along}${health}`;
}

export function describeRefusal(refused: RefusedGroup): string {
  return `${refused.name} is not restarted once for keys ${refused.keys.join(', ')}: ${refused.reason}; each key restarts it alone`;
}
