/**
 * The rotation pipeline as a table. Each step says which modes run it, how the plan
 * describes it, and how it runs; every run() is idempotent, so a resumed rotation simply
 * runs the step it was in again. lock, the prologue of a new rotation and unlock are the
 * entries around these steps (src/engine/table.ts).
 */
import type { KeyConfig } from '../config/types.js';
import { restartConsumer, describeConsumer } from '../consumers/restart.js';
import { runChecks } from '../consumers/checks.js';
import { errors } from '../errors.js';
import type { IssueTarget, Issuer } from '../issuers/types.js';
import { retireKey } from './delete-old-key.js';
import { jobHistory } from './outcomes.js';
import { failpoint } from '../failpoints.js';
import { issuerContext, markDone, type Mode, type RotationJob } from './job.js';
import { formatDuration } from '../config/duration.js';
import type { HistoryEntry, StepName, StoreRef, Trigger } from '../model.js';

export interface StepView {
  key: KeyConfig;
  target: IssueTarget;
  issuer: Issuer;
  issuerName: string;
  ref: StoreRef;
  /** store.describe(ref), computed once */
  where: string;
  mode: Mode;
  /** the key id that CURRENT holds now, if known */
  currentKeyId?: string;
  /** whether the overlap applies (routine trigger) */
  overlapMs: number;
  /** an old key still in its overlap window: the prologue deletes it before the first step */
  supersededKeyId?: string;
}

/** What the plan needs of every entry of the table: its name, and one line about its target. */
export interface Described {
  readonly name: string;
  /** never a secret; undefined: nothing to show (nothing to do, or nothing the operator must see) */
  describe(view: StepView): string | undefined;
}

export interface Step extends Described {
  readonly name: StepName;
  modes: readonly Mode[];
  /**
   * The journal is written before this step. Only steps whose start changes what a resumed
   * or failing run must do are checkpoints: the intent before create (and before deleting a
   * leaked key), consumers touched (restart), the point of no return (retire). Between
   * checkpoints the store itself tells where a run was (the new version PENDING or
   * CURRENT), and every step is idempotent, so a resumed run repeats at most a few of them.
   */
  checkpoint: boolean;
  run(job: RotationJob): Promise<void>;
}

const revokeOld: Step = {
  name: 'revoke-old',
  modes: ['leak'],
  checkpoint: true,
  describe: (v) =>
    v.currentKeyId ? `delete leaked key ${v.currentKeyId} at ${v.issuerName} NOW, before anything else` : 'no current key to delete',
  async run(job) {
    const oldKeyId = job.journal.oldKeyId;
    if (!oldKeyId) return;
    const ictx = issuerContext(job);
    await job.issuer.revoke(oldKeyId, job.target, ictx, job.old?.keyId === oldKeyId ? job.old : undefined);
    job.ctx.logger.warn(`${job.key.id}: leaked key ${oldKeyId} deleted at the issuer`);
    if (job.issuer.isDead && !(await job.issuer.isDead(oldKeyId, job.target, ictx))) {
      throw errors.issuer(`${job.key.id}: the leaked key ${oldKeyId} still works after deletion`);
    }
  },
};

const create: Step = {
  name: 'create',
  modes: ['routine', 'leak'],
  checkpoint: true,
  describe: (v) => `${v.issuerName}: ${v.issuer.describe(v.target, v.currentKeyId)}`,
  async run(job) {
    const issued = await job.issuer.create(job.target, issuerContext(job));
    job.ctx.redactor.addMaterial(issued.material);
    job.fresh = { keyId: issued.keyId, material: issued.material, meta: issued.meta ?? {} };
    job.journal.newKeyId = issued.keyId;
    requireMappedFields(job);
  },
};

/**
 * Every field a consumer or check maps into its environment must be in the new key, before
 * the store or any consumer sees it: a `command` issuer that declares no `fields` can only be
 * judged here. Failing now rolls back cleanly (the new key is deleted at the issuer), where
 * failing at restart would leave consumers whose own rollback fails the same way.
 */
function requireMappedFields(job: RotationJob): void {
  const material = requireFresh(job).material;
  const users = [...job.key.consumers.map((c) => ({ kind: 'consumer', ...c })), ...job.key.checks.map((c) => ({ kind: 'check', ...c }))];
  for (const user of users) {
    const missing = Object.entries(user.env).filter(([, field]) => !Object.hasOwn(material, field));
    if (!missing.length) continue;
    const [variable, field] = missing[0]!;
    throw errors.issuer(
      `${user.kind} ${user.name} maps ${variable} to the field '${field}', which issuer ${job.key.issuer} did not give ` +
        `(it gave ${Object.keys(material).join(', ') || 'nothing'})`,
      `fix the mapping in rotation.yaml, or declare the command issuer's \`fields\` so validate catches it`,
    );
  }
}

const stage: Step = {
  name: 'stage',
  modes: ['routine', 'leak'],
  checkpoint: false,
  describe: (v) => `${v.where} as PENDING`,
  async run(job) {
    const fresh = requireFresh(job);
    await job.store.stage(job.ref, job.journal.rotationId, {
      keyId: fresh.keyId,
      material: fresh.material,
      meta: { ...fresh.meta, rotationId: job.journal.rotationId },
    });
  },
};

const promote: Step = {
  name: 'promote',
  modes: ['routine', 'leak'],
  checkpoint: false,
  describe: (v) => `${v.where}: PENDING → CURRENT${v.currentKeyId ? `, ${v.currentKeyId} → PREVIOUS` : ''}`,
  async run(job) {
    await job.store.promote(job.ref, job.journal.rotationId);
  },
};

const restart: Step = {
  name: 'restart',
  modes: ['routine', 'leak'],
  checkpoint: true,
  describe: (v) => (v.key.consumers.length ? v.key.consumers.flatMap(describeConsumer).join('; ') : undefined),
  async run(job) {
    const fresh = requireFresh(job);
    const delivery = { keyId: fresh.keyId, rotationId: job.journal.rotationId, material: fresh.material };
    // a consumer other keys of the run share is restarted once for all (src/engine/shared-restarts.ts)
    const shared = (await job.hooks?.restarts?.join(job, delivery)) ?? [];
    for (const [index, consumer] of job.key.consumers.entries()) {
      await (shared[index] ?? restartConsumer(consumer, delivery, job.ctx));
    }
  },
};

const verify: Step = {
  name: 'verify',
  modes: ['routine', 'leak'],
  checkpoint: false,
  describe: (v) => ['issuer smoke test with the new key', ...v.key.checks.map((c) => `check ${c.name}`)].join('; '),
  async run(job) {
    const fresh = requireFresh(job);
    await job.issuer.verify({ keyId: fresh.keyId, material: fresh.material, meta: fresh.meta }, job.target, issuerContext(job));
    await runChecks(job.key.checks, { keyId: fresh.keyId, rotationId: job.journal.rotationId, material: fresh.material }, job.ctx);
  },
};

const retire: Step = {
  name: 'retire',
  modes: ['routine'],
  checkpoint: true,
  describe: (v) => {
    if (!v.currentKeyId) return undefined;
    if (v.overlapMs > 0)
      return `delete ${v.currentKeyId} at ${v.issuerName} after the ${formatDuration(v.overlapMs)} overlap (a later run does it)`;
    return `delete ${v.currentKeyId} at ${v.issuerName}${v.issuer.isDead ? ', then prove it is dead' : ''}`;
  },
  async run(job) {
    const oldKeyId = job.journal.oldKeyId;
    if (!oldKeyId) return;
    const overlapMs = overlapFor(job.request.trigger, job.key);
    if (overlapMs > 0) {
      job.retireAfter = new Date(job.ctx.clock.now().getTime() + overlapMs).toISOString();
      return;
    }
    await retireKey(job.issuer, oldKeyId, job);
  },
};

const record: Step = {
  name: 'record',
  modes: ['routine', 'leak'],
  checkpoint: false,
  describe: (v) => `rotation date and key ids into ${v.where} metadata and history`,
  async run(job) {
    const now = job.ctx.clock.now();
    const fresh = requireFresh(job);
    const { rotationId, oldKeyId } = job.journal;
    await job.store.record(job.ref, {
      lastRotatedAt: now.toISOString(),
      lastRotationId: rotationId,
      currentKeyId: fresh.keyId,
      previousKeyId: oldKeyId,
      pendingRetire: job.retireAfter && oldKeyId ? { keyId: oldKeyId, rotationId, after: job.retireAfter } : undefined,
      attention: undefined,
    });
    await appendHistoryOnce(job, jobHistory(job, 'completed', now, { newKeyId: fresh.keyId }));
  },
};

export const STEPS: readonly Step[] = [revokeOld, create, stage, promote, restart, verify, retire, record];

export function stepsFor(mode: Mode): Step[] {
  return STEPS.filter((step) => step.modes.includes(mode));
}

/** Run one step with its failpoints; the journal already names it. */
export async function runStep(step: Step, job: RotationJob): Promise<void> {
  await failpoint(`${step.name}:before`, job.key.id);
  await step.run(job);
  await failpoint(`${step.name}:after`, job.key.id);
  markDone(job, step.name);
}

/** Offboarding and leaks must not leave the old key alive through an overlap window. */
export function overlapFor(trigger: Trigger, key: KeyConfig): number {
  return trigger === 'offboard' || trigger === 'revoke' ? 0 : key.overlapMs;
}

/** The history entry of a rotation, written once even when a resumed run repeats the step that writes it. */
export async function appendHistoryOnce(job: RotationJob, entry: HistoryEntry): Promise<void> {
  // A resumed record step must not write the same rotation twice.
  if (job.resumed) {
    const seen = await job.store.history(job.ref);
    if (seen.some((e) => e.rotationId === entry.rotationId && e.outcome === entry.outcome)) return;
  }
  await job.store.appendHistory(job.ref, entry);
}

function requireFresh(job: RotationJob) {
  if (!job.fresh)
    throw errors.store(
      `${job.key.id}: the new key of ${job.journal.rotationId} is not in the store`,
      'run keyturn status; the rotation needs attention',
    );
  return job.fresh;
}
