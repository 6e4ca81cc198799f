/**
 * The one restart of each consumer shared by keys of a run (groups: src/engine/consumer-groups.ts).
 *
 * A key whose restart step begins joins each group of its consumers with its new key, and waits
 * until every other key of the group has joined too or has ended (failed, skipped, or resumed
 * from an earlier run's journal: those restart their consumers alone). The key that completes
 * a group starts its restart: every key's share applied together, one health check; the others
 * await the same restart, and its failure fails the restart step of every key it carried, each
 * of which rolls back. Keys that ended before joining are represented by the key the consumer
 * already had: their old one when this run read it, else what the store hands out now (a key
 * whose lease another run holds, or skipped). A failed key's new material is never delivered.
 * A waiting key gives up its lane, so --concurrency smaller than a group cannot deadlock.
 *
 * Keys of rotation.yaml that share the consumer but are not rotated in this run (bystanders)
 * are not waited for: the consumer gets the key they have now, so rotating one of a service's
 * keys does not restart it without the others.
 *
 * Rollback puts a carried key's old material back with the same rule: when the shared restart
 * failed, the keys it carried are restored by one restart once each has asked for it (or
 * ended); when a key fails later (verify), the consumer is restarted at once on its old key and
 * the others' current keys. Restarts of one consumer never overlap.
 */
import type { RunContext } from '../context.js';
import { messageOf } from '../errors.js';
import type { ConsumerConfig } from '../config/types.js';
import type { Delivery, Share } from '../consumers/delivery.js';
import { restartWith } from '../consumers/restart.js';
import { describeGroup, type ConsumerGroup, type GroupMember } from './consumer-groups.js';
import type { RotationJob, SharedRestarts, StepHooks } from './job.js';

/** What the run gives the groups. */
export interface GroupServices {
  /** how a waiting key lets other keys work: the run bounds keys in flight */
  pause(job: RotationJob): void;
  resume(job: RotationJob): Promise<void>;
  /** the key the store hands out now, for a key that ended before this run read it (lease held elsewhere, skipped) */
  current(keyId: string): Promise<Delivery | undefined>;
}

class Gate {
  opened = false;
  readonly promise: Promise<void>;
  private release!: () => void;
  constructor() {
    this.promise = new Promise<void>((resolve) => (this.release = resolve));
  }
  open(): void {
    this.opened = true;
    this.release();
  }
}

interface Restore {
  /** carried keys that have neither asked to be restored nor ended */
  waiting: Set<string>;
  gate: Gate;
  done?: Promise<void>;
}

class Group {
  /** keys that have neither joined nor ended */
  readonly waiting: Set<string>;
  /**
   * What the consumer is to run with, per key: the new key once joined, else the old one
   * (undefined: none). A key missing here ended before this run read it: the store's CURRENT.
   */
  readonly holding = new Map<string, Delivery | undefined>();
  /** keys whose new material the shared restart carried */
  readonly joined = new Set<string>();
  readonly complete = new Gate();
  restart?: Promise<void>;
  failed = false;
  restoring?: Restore;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly spec: ConsumerGroup) {
    this.waiting = new Set(spec.members.map((m) => m.key).filter((key) => !spec.bystanders.includes(key)));
  }

  /** Restart on what every key holds now; after any restart of this consumer still running. */
  run(ctx: RunContext, services: GroupServices): Promise<void> {
    const next = this.queue.then(async () => {
      const shares: Share[] = [];
      for (const member of this.spec.members) {
        const delivery = this.holding.has(member.key) ? this.holding.get(member.key) : await currentOf(member, services, ctx);
        if (delivery) shares.push({ delivery, mapping: member.consumer.env });
      }
      if (shares.length) await restartWith(this.spec.consumer, shares, ctx);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * A key this run does not rotate, or never read: the consumer gets what the store hands out.
 * Without it (unreadable, or lacking a mapped field) the consumer goes without that key's
 * variables, as it would have before grouping, rather than failing the keys that rotate.
 */
async function currentOf(member: GroupMember, services: GroupServices, ctx: RunContext): Promise<Delivery | undefined> {
  const skip = (why: string) => {
    ctx.logger.warn(`${member.key}: ${why}; consumer ${member.consumer.name} is restarted without its variables`);
    return undefined;
  };
  let delivery: Delivery | undefined;
  try {
    delivery = await services.current(member.key);
  } catch (error) {
    return skip(`could not read its current key (${ctx.redactor.redact(messageOf(error))})`);
  }
  if (!delivery) return undefined;
  ctx.redactor.addMaterial(delivery.material);
  const missing = Object.values(member.consumer.env).find((field) => !Object.hasOwn(delivery.material, field));
  return missing === undefined ? delivery : skip(`its current key has no field "${missing}"`);
}

export class RestartGroups implements SharedRestarts {
  private readonly byKey = new Map<string, Map<number, Group>>();
  private readonly ended = new Set<string>();

  constructor(
    groups: readonly ConsumerGroup[],
    private readonly ctx: RunContext,
    private readonly services: GroupServices,
  ) {
    for (const spec of groups) {
      const group = new Group(spec);
      for (const member of spec.members) {
        const mine = this.byKey.get(member.key) ?? new Map<number, Group>();
        mine.set(member.index, group);
        this.byKey.set(member.key, mine);
      }
    }
  }

  /** The run's hooks with this one's: it learns each key's old material, and resumed keys leave at once. */
  hooks(outer: StepHooks | undefined): StepHooks {
    return {
      before: async (job, step) => {
        this.seen(job);
        await outer?.before?.(job, step);
      },
      after: outer?.after ? (job, step) => outer.after!(job, step) : undefined,
      idle: outer?.idle ? (job) => outer.idle!(job) : undefined,
      restarts: this,
    };
  }

  /** The key's attempt ended (any outcome): the groups stop waiting for it. */
  leave(keyId: string): void {
    if (this.ended.has(keyId)) return;
    this.ended.add(keyId);
    for (const group of this.groupsOf(keyId)) {
      group.waiting.delete(keyId);
      this.completeIfReady(group);
      if (group.restoring) {
        group.restoring.waiting.delete(keyId);
        this.restoreIfReady(group);
      }
    }
  }

  async join(job: RotationJob, delivery: Delivery): Promise<ReadonlyArray<Promise<void> | undefined>> {
    const id = job.key.id;
    const mine = this.byKey.get(id);
    if (!mine || job.resumed || this.ended.has(id)) return [];
    for (const group of mine.values()) {
      group.holding.set(id, delivery);
      group.joined.add(id);
      group.waiting.delete(id);
      this.completeIfReady(group);
    }
    const groups = [...mine.values()];
    if (groups.some((g) => !g.complete.opened)) {
      const names = groups.map((g) => g.spec.name).join(', ');
      this.ctx.logger.info(`${id}: waiting for the other keys that share ${names}`);
      await this.waitIdle(job, Promise.all(groups.map((g) => g.complete.promise)));
    }
    return job.key.consumers.map((_, index) => mine.get(index)?.restart);
  }

  restore(job: RotationJob, consumer: ConsumerConfig, old: Delivery | undefined): Promise<void> | undefined {
    const id = job.key.id;
    const group = this.byKey.get(id)?.get(job.key.consumers.indexOf(consumer));
    if (!group || job.resumed) return undefined;
    if (!group.joined.has(id)) {
      // The consumer never got this key's new material: the group goes on with the old one.
      group.waiting.delete(id);
      this.completeIfReady(group);
      return Promise.resolve();
    }
    // undefined: a first rotation rolled back, the consumer goes without this key
    group.holding.set(id, old);
    return this.restoreCarried(job, group);
  }

  private async restoreCarried(job: RotationJob, group: Group): Promise<void> {
    await group.restart!.catch(() => undefined);
    // a later failure of one key (verify): put its old key back now, the others keep theirs
    if (!group.failed) return group.run(this.ctx, this.services);
    const restore = (group.restoring ??= {
      waiting: new Set([...group.joined].filter((key) => !this.ended.has(key))),
      gate: new Gate(),
    });
    restore.waiting.delete(job.key.id);
    this.restoreIfReady(group);
    if (!restore.gate.opened) await this.waitIdle(job, restore.gate.promise);
    return restore.done;
  }

  /** Before each step: the old key stands for this key until it joins; a resumed key restarts alone. */
  private seen(job: RotationJob): void {
    const id = job.key.id;
    if (this.ended.has(id) || !this.byKey.has(id)) return;
    if (job.resumed) {
      this.ctx.logger.info(`${id}: resumed from an earlier run's journal; it restarts its consumers alone`);
      this.leave(id);
      return;
    }
    const old = job.old && { keyId: job.old.keyId, rotationId: job.old.rotationId, material: job.old.material };
    for (const group of this.groupsOf(id)) {
      if (!group.joined.has(id)) group.holding.set(id, old);
    }
  }

  private completeIfReady(group: Group): void {
    if (group.complete.opened || group.waiting.size) return;
    if (group.joined.size) {
      this.ctx.logger.info(describeGroup(group.spec));
      group.restart = group.run(this.ctx, this.services).catch((error: unknown) => {
        group.failed = true;
        throw error;
      });
      group.restart.catch(() => undefined);
    }
    group.complete.open();
  }

  private restoreIfReady(group: Group): void {
    const restore = group.restoring;
    if (!restore || restore.gate.opened || restore.waiting.size) return;
    restore.done = group.run(this.ctx, this.services);
    restore.done.catch(() => undefined);
    restore.gate.open();
  }

  private async waitIdle(job: RotationJob, until: Promise<unknown>): Promise<void> {
    this.services.pause(job);
    try {
      await until;
    } finally {
      await this.services.resume(job);
    }
  }

  private groupsOf(keyId: string): Group[] {
    return [...new Set(this.byKey.get(keyId)?.values() ?? [])];
  }
}
