/**
 * Build the plan: read (never write) the store state of every key, select, and describe
 * every step that would run with its target. The same code serves plan, --dry-run, rotate
 * (which shows the plan before it asks), offboard and apply.
 */
import { createHash } from 'node:crypto';
import type { Config, KeyConfig } from '../config/types.js';
import { blocksRotation, stateFindings, staticFindings } from '../policy/index.js';
import type { Finding } from '../policy/types.js';
import { modeOf } from '../engine/job.js';
import { overlapFor, type StepView } from '../engine/steps.js';
import { tableFor } from '../engine/table.js';
import { describeGroup, describeRefusal, groupsForRun } from '../engine/consumer-groups.js';
import type { LeaseHolder, SecretStore } from '../stores/types.js';
import type { Issuer } from '../issuers/types.js';
import { adoptedAt, dueState } from './due.js';
import { lastUses } from './last-used.js';
import type { Plan, PlannedConsumerGroup, PlannedKey, PlannedRetirement, PlannedStep } from './model.js';
import { describeSelection, selectKeys, type Selected, type Selection } from './select.js';
import { refOf, type JournalEntry, type RotationRecord, type Trigger } from '../model.js';
import type { Resources } from '../resources.js';

export interface KeyState {
  record: RotationRecord;
  journal?: JournalEntry;
  /** read only when asked (status): on Secrets Manager it costs a call per key */
  lease?: LeaseHolder;
}

/** Read every key's rotation record and journal: the store state plans and status show. */
export async function readStates(
  config: Config,
  res: Resources,
  keys: readonly KeyConfig[] = config.keys,
  options: { leases?: boolean } = {},
): Promise<Map<string, KeyState>> {
  const stores = await resolveAll(
    keys.map((k) => k.store),
    res.store,
  );
  const states = new Map<string, KeyState>();
  await Promise.all(
    keys.map((key) => {
      const store = stores.get(key.store)!;
      const ref = refOf(key);
      const lease = options.leases ? store.leaseHolder(ref) : undefined;
      return Promise.all([store.rotation(ref), store.journal(ref), lease]).then(([record, journal, held]) =>
        states.set(key.id, { record, journal, lease: held }),
      );
    }),
  );
  return states;
}

/** Open each named store or issuer once, up front: a plan of 10,000 keys names only a few. */
async function resolveAll<T>(names: readonly string[], open: (name: string) => Promise<T>): Promise<Map<string, T>> {
  const unique = [...new Set(names)];
  const opened = await Promise.all(unique.map(open));
  return new Map(unique.map((name, i) => [name, opened[i]!]));
}

/** A hash of the state apply depends on: a change means the saved plan no longer describes reality. */
export function storeFingerprint(keys: readonly string[], states: Map<string, KeyState>): string {
  const hash = createHash('sha256');
  for (const id of [...keys].sort()) {
    const s = states.get(id);
    hash.update(
      JSON.stringify([id, s?.record.lastRotationId, s?.record.currentKeyId, s?.record.pendingRetire?.keyId, s?.journal?.rotationId]),
    );
  }
  return hash.digest('hex');
}

export interface PlanRequest {
  selection: Selection;
  /** overrides the trigger the selection implies (offboard, revoke) */
  trigger?: Trigger;
  reason?: string;
  /** replaces the selection's "why" (offboard: "alice leaves (through team:trading)") */
  why?: (key: KeyConfig) => string | undefined;
  /** keys chosen by the caller (offboard) instead of selection */
  chosen?: Selected[];
  /** the keys the store fingerprint covers, when not the selected ones (apply: the saved plan's) */
  fingerprintKeys?: readonly string[];
}

export async function buildPlan(config: Config, res: Resources, request: PlanRequest): Promise<Plan> {
  const now = res.ctx.clock.now();
  const states = await readStates(config, res);
  const records = new Map([...states].map(([id, s]) => [id, s.record]));
  const inFlight = new Set([...states].filter(([, s]) => s.journal).map(([id]) => id));
  const selected = request.chosen ?? selectKeys(config, request.selection, records, now, inFlight);
  const allFindings = staticFindings(config);
  const keyFindings = groupByKey(allFindings);
  const stores = await resolveAll(
    selected.map((s) => s.key.store),
    res.store,
  );
  const issuers = await resolveAll(
    selected.map((s) => s.key.issuer),
    res.issuer,
  );
  const keys: PlannedKey[] = [];
  for (const sel of selected) {
    const trigger = request.trigger ?? sel.trigger;
    const state = states.get(sel.key.id) ?? { record: {} };
    const findings = [...(keyFindings.get(sel.key.id) ?? []), ...stateFindings(sel.key, state.record.lastRotatedAt, now)];
    keys.push({
      key: sel.key.id,
      purpose: sel.key.purpose,
      issuer: sel.key.issuer,
      store: sel.key.store,
      ...(sel.key.zone !== undefined ? { zone: sel.key.zone } : {}),
      trigger,
      why: request.why?.(sel.key) ?? sel.why,
      reason: request.reason,
      lastRotatedAt: state.record.lastRotatedAt,
      ...(adoptedAt(state.record) ? { adopted: true } : {}),
      nextDue: dueState(sel.key, state.record, now).nextDue?.toISOString(),
      currentKeyId: state.record.currentKeyId,
      inFlight: state.journal
        ? `${state.journal.rotationId} interrupted at ${state.journal.step} (${state.journal.status}); this run resumes it`
        : undefined,
      steps: describeSteps(sel.key, trigger, state.record, {
        store: stores.get(sel.key.store)!,
        issuer: issuers.get(sel.key.issuer)!,
        config,
      }),
      findings,
      blocked: blocksRotation(findings, sel.key.id),
    });
  }
  const uses = await lastUses(
    selected.map((sel, i) => ({ key: sel.key, issuer: issuers.get(sel.key.issuer)!, currentKeyId: keys[i]!.currentKeyId })),
    res,
  );
  for (const k of keys) k.currentKeyLastUsed = uses.get(k.key);
  const retirements: PlannedRetirement[] = [];
  for (const key of config.keys) {
    const pending = states.get(key.id)?.record.pendingRetire;
    if (pending)
      retirements.push({ key: key.id, keyId: pending.keyId, after: pending.after, ready: Date.parse(pending.after) <= now.getTime() });
  }
  const runnable = new Set(keys.filter((k) => !k.blocked).map((k) => k.key));
  const grouping = groupsForRun(
    config.keys,
    selected.map((sel) => sel.key).filter((key) => runnable.has(key.id)),
  );
  const consumerGroups: PlannedConsumerGroup[] = [
    ...grouping.groups.map((g) => ({
      consumer: g.name,
      keys: g.members.map((m) => m.key).filter((key) => !g.bystanders.includes(key)),
      alongside: g.bystanders.length ? g.bystanders : undefined,
      once: true,
      line: describeGroup(g),
    })),
    ...grouping.refused.map((r) => ({ consumer: r.name, keys: r.keys, once: false, line: describeRefusal(r) })),
  ];
  return {
    format: 'keyturn-plan/1',
    createdAt: now.toISOString(),
    configFile: config.file,
    configHash: config.hash,
    storeFingerprint: storeFingerprint(request.fingerprintKeys ?? keys.map((k) => k.key), states),
    selection: request.chosen
      ? `${request.trigger ?? 'manual'}${request.reason ? ` ${request.reason}` : ''}`
      : describeSelection(request.selection),
    // Only a plain selection can be replayed by apply; offboard and revoke plans are previews.
    request: request.chosen || request.trigger ? undefined : { selection: request.selection },
    keys,
    retirements,
    // absent without shared consumers: such a plan reads exactly as before
    consumerGroups: consumerGroups.length ? consumerGroups : undefined,
    findings: allFindings.filter((f) => !f.key),
  };
}

function describeSteps(
  key: KeyConfig,
  trigger: Trigger,
  record: RotationRecord,
  using: { store: SecretStore; issuer: Issuer; config: Config },
): PlannedStep[] {
  const { store, issuer } = using;
  const issuerConfig = using.config.issuers[key.issuer]!;
  const ref = refOf(key);
  const mode = modeOf(trigger);
  const where = store.describe(ref);
  const view: StepView = {
    key,
    target: { key, issuer: issuerConfig },
    issuer,
    issuerName: key.issuer,
    ref,
    where,
    mode,
    currentKeyId: record.currentKeyId,
    overlapMs: overlapFor(trigger, key),
    supersededKeyId: record.pendingRetire?.keyId,
  };
  const steps: PlannedStep[] = [];
  for (const entry of tableFor(mode)) {
    const target = entry.describe(view);
    if (target !== undefined) steps.push({ step: entry.name, target });
  }
  return steps;
}

function groupByKey(findings: Finding[]): Map<string, Finding[]> {
  const byKey = new Map<string, Finding[]>();
  for (const f of findings) {
    if (!f.key) continue;
    const list = byKey.get(f.key) ?? [];
    list.push(f);
    byKey.set(f.key, list);
  }
  return byKey;
}
