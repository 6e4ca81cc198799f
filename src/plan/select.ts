/**
 * Which keys a command works on: named keys, --due, --all, --owner PERSON, --tag TAG.
 * Filters combine (--due --tag trading: the due keys tagged trading).
 */
import type { Config, KeyConfig } from '../config/types.js';
import { errors } from '../errors.js';
import { dueState } from './due.js';
import { keysHeldBy } from './people.js';
import { isOpen } from './window.js';
import type { RotationRecord, Trigger } from '../model.js';

export interface Selection {
  keys?: string[];
  due?: boolean;
  all?: boolean;
  owner?: string;
  tag?: string;
}

export interface Selected {
  key: KeyConfig;
  trigger: Trigger;
  why: string;
}

export function describeSelection(s: Selection): string {
  const parts = [...(s.keys ?? [])];
  if (s.all) parts.push('--all');
  if (s.due) parts.push('--due');
  if (s.owner) parts.push(`--owner ${s.owner}`);
  if (s.tag) parts.push(`--tag ${s.tag}`);
  return parts.join(' ') || '--due';
}

export function isEmptySelection(s: Selection): boolean {
  return !s.keys?.length && !s.all && !s.due && !s.owner && !s.tag;
}

/**
 * `inFlight`: keys whose journal shows an interrupted rotation. --due picks them up whatever
 * their due date, so the routine run finishes what a crashed run started.
 */
export function selectKeys(
  config: Config,
  selection: Selection,
  records: Map<string, RotationRecord>,
  now: Date,
  inFlight: ReadonlySet<string> = new Set(),
): Selected[] {
  const byId = new Map(config.keys.map((k) => [k.id, k]));
  let pool: Array<{ key: KeyConfig; why: string[] }>;
  if (selection.keys?.length) {
    // A key named twice is one key: two lanes of one run share a lease owner and would rotate it at once.
    pool = [...new Set(selection.keys)].map((id) => {
      const key = byId.get(id);
      if (!key) throw errors.unknownKey(id);
      return { key, why: ['named on the command line'] };
    });
  } else {
    pool = config.keys.map((key) => ({ key, why: [] }));
  }
  if (selection.owner) {
    const held = new Map(keysHeldBy(config, selection.owner).map((h) => [h.key.id, h.via]));
    pool = pool.filter((p) => held.has(p.key.id));
    for (const p of pool) p.why.push(`held by ${selection.owner} ${held.get(p.key.id)}`);
  }
  if (selection.tag) {
    pool = pool.filter((p) => p.key.tags.includes(selection.tag!));
    for (const p of pool) p.why.push(`tagged ${selection.tag}`);
  }
  const dueOnly = selection.due || isEmptySelection(selection);
  if (dueOnly) {
    pool = pool.filter((p) => {
      if (inFlight.has(p.key.id)) {
        p.why.unshift('an interrupted rotation to finish');
        return true;
      }
      const state = dueState(p.key, records.get(p.key.id) ?? {}, now);
      if (!state.due) return false;
      // a routine rotation starts only inside the key's window, outside its blackouts (plan and status say when it opens)
      if (p.key.schedule && !isOpen(p.key.schedule, now)) return false;
      p.why.unshift(state.neverRotated ? 'never rotated' : `due since ${state.dueSince!.toISOString()}`);
      return true;
    });
  }
  if (selection.all && !selection.keys?.length) for (const p of pool) if (!p.why.length) p.why.push('--all');
  const trigger: Trigger = dueOnly && !selection.keys?.length && !selection.all ? 'due' : 'manual';
  return pool.map((p) => ({ key: p.key, trigger, why: p.why.join('; ') }));
}
