/**
 * A saved plan is untrusted input: whoever can write the file (a CI artifact, a shared
 * folder) could mark a blocked key runnable, turn a routine rotation into a revoke or edit
 * a step. So apply trusts nothing in it but the selection it was made from; it recomputes
 * the plan from rotation.yaml and the store and runs only a plan that matches, key by key.
 */
import { errors } from '../errors.js';
import type { Plan, PlannedKey } from './model.js';
import type { Selection } from './select.js';
import { isRecord } from '../config/raw-types.js';

const FORMAT = 'keyturn-plan/1';
const SELECTION_FIELDS = new Set(['keys', 'due', 'all', 'owner', 'tag']);

export interface SavedPlan {
  file: string;
  configHash: string;
  storeFingerprint: string;
  selection: Selection;
  keys: PlannedKey[];
}

/** Check the shape of a parsed plan file; every field apply reads is typed here or refused. */
export function parseSavedPlan(file: string, value: unknown): SavedPlan {
  const notAPlan = (why: string) => errors.usage(`${file} is not a keyturn plan: ${why}`, 'make one with: keyturn plan --out FILE');
  if (!isRecord(value) || value.format !== FORMAT) throw notAPlan(`its format is not ${FORMAT}`);
  if (typeof value.configHash !== 'string' || typeof value.storeFingerprint !== 'string')
    throw notAPlan('configHash or storeFingerprint is missing');
  if (!Array.isArray(value.keys) || !value.keys.every((k) => isRecord(k) && typeof k.key === 'string'))
    throw notAPlan('keys is not a list of planned keys');
  const request = value.request;
  if (!isRecord(request) || !isRecord(request.selection)) {
    throw errors.usage(`${file} cannot be applied: only plans made by \`keyturn plan\` can (offboard and revoke run directly)`);
  }
  return {
    file,
    configHash: value.configHash,
    storeFingerprint: value.storeFingerprint,
    selection: parseSelection(request.selection, notAPlan),
    keys: value.keys as PlannedKey[],
  };
}

function parseSelection(raw: Record<string, unknown>, notAPlan: (why: string) => Error): Selection {
  for (const field of Object.keys(raw)) if (!SELECTION_FIELDS.has(field)) throw notAPlan(`request.selection.${field} is unknown`);
  const { keys, due, all, owner, tag } = raw;
  if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string')))
    throw notAPlan('request.selection.keys is not a list of key ids');
  for (const [name, flag] of [
    ['due', due],
    ['all', all],
  ] as const) {
    if (flag !== undefined && typeof flag !== 'boolean') throw notAPlan(`request.selection.${name} is not true or false`);
  }
  for (const [name, text] of [
    ['owner', owner],
    ['tag', tag],
  ] as const) {
    if (text !== undefined && typeof text !== 'string') throw notAPlan(`request.selection.${name} is not a string`);
  }
  return {
    keys: keys as string[] | undefined,
    due: due as boolean | undefined,
    all: all as boolean | undefined,
    owner: owner as string | undefined,
    tag: tag as string | undefined,
  };
}

/**
 * What differs between the saved plan and the one recomputed now, one line per difference.
 * A key the recomputation adds (it became due since) is not a difference: apply runs only
 * the keys the saved plan lists, which are the ones its reviewer saw.
 */
export function planDifferences(saved: SavedPlan, fresh: Plan): string[] {
  const freshKeys = new Map(fresh.keys.map((k) => [k.key, k]));
  const differences: string[] = [];
  const seen = new Set<string>();
  for (const planned of saved.keys) {
    const name = safeName(planned.key);
    if (seen.has(planned.key)) {
      differences.push(`${name} is listed twice`);
      continue;
    }
    seen.add(planned.key);
    const now = freshKeys.get(planned.key);
    if (!now) {
      differences.push(`${name} would not be selected now`);
      continue;
    }
    if (planned.trigger !== now.trigger) differences.push(`${name}: trigger ${safeName(planned.trigger)} in the plan, ${now.trigger} now`);
    if (planned.blocked !== now.blocked)
      differences.push(`${name}: ${now.blocked ? 'blocked by policy now' : 'not blocked now'}, the plan says otherwise`);
    if (stepsOf(planned) !== stepsOf(now)) differences.push(`${name}: its steps differ from the steps recomputed now`);
  }
  return differences;
}

/**
 * The recomputed plan narrowed to the saved plan's keys, in its order. A shared consumer is
 * shown only when every key of its group stays (the run regroups the keys it runs).
 */
export function narrowTo(fresh: Plan, saved: SavedPlan): Plan {
  const freshKeys = new Map(fresh.keys.map((k) => [k.key, k]));
  const kept = new Set(saved.keys.map((k) => k.key));
  const consumerGroups = fresh.consumerGroups?.filter((g) => g.keys.every((key) => kept.has(key)));
  return { ...fresh, keys: saved.keys.map((k) => freshKeys.get(k.key)!), consumerGroups };
}

function stepsOf(key: PlannedKey): string {
  return JSON.stringify(Array.isArray(key.steps) ? key.steps.map((s) => [s?.step, s?.target]) : key.steps);
}

/** A name from the file, fit for a message: the file may hold anything. */
function safeName(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined');
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
