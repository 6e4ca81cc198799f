/**
 * `keyturn worker`: lanes that take rotation jobs from this worker's queue (its zone's, else
 * the default one) and run each through the engine (run-job.ts), one lane per unit of
 * --concurrency; one more lane for the schedule, whose cron job (pg-boss fires it once
 * across the fleet) enqueues every due key.
 *
 * Draining (SIGTERM): no lane takes a new job; running rotations finish, bounded by --grace.
 * The queue lost mid-run: running rotations go on, lanes stop taking jobs and poll again
 * with backoff, /readyz says not ready.
 */
import os from 'node:os';
import type { Config } from '../config/types.js';
import type { RunContext } from '../context.js';
import { leaseOwner } from '../engine/lease.js';
import { messageOf } from '../errors.js';
import { notify } from '../notify/webhook.js';
import { staticFindings, type Finding } from '../policy/index.js';
import type { Resources } from '../resources.js';
import { IssuerSet } from '../issuers/registry.js';
import { StoreSet } from '../stores/registry.js';
import { ensureQueues, errorText, openQueue, type Boss } from './boss.js';
import { enqueueRotations } from './enqueue.js';
import { dueState } from '../plan/due.js';
import { readStates } from '../plan/build.js';
import type { DueCount, WorkerMetrics } from './metrics.js';
import { queueOf, SCHEDULE_QUEUE, WORKER_ID_ENV, WORKER_ZONE_ENV, zonesOf, type RotationJobData } from './names.js';
import { beat, ensureWorkerTable, leave } from './heartbeat.js';
import { ConfigWatch } from './reload.js';
import { runJob, type JobDecision } from './run-job.js';
import { chooseKeys } from './select.js';

export interface WorkerOptions {
  zone?: string;
  concurrency: number;
  graceMs: number;
  pollMs: number;
}

export interface DrainReport {
  /** keys whose rotation was still running when the grace period ended */
  unfinished: string[];
}

const MAX_BACKOFF_MS = 30_000;
const FETCH_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000}s`)), ms);
  });
  promise.catch(() => undefined);
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class FleetWorker {
  readonly id = `${os.hostname()}:${process.pid}`;
  readonly queue: string;
  private boss?: Boss;
  /** the queue's schema as read at start (a reload does not move the worker to another queue) */
  private schema = '';
  private stopping = false;
  private reachable = false;
  private lanes: Array<Promise<void>> = [];
  private readonly running = new Map<string, string>();
  private readonly sleepers = new Set<() => void>();
  private readonly owner = leaseOwner();
  private findings: Finding[];
  /** stores opened for configurations read since start (closed when the worker stops) */
  private readonly reloadedStores: StoreSet[] = [];
  private readonly configWatch: ConfigWatch;
  metrics?: WorkerMetrics;

  constructor(
    private config: Config,
    private res: Resources,
    private readonly options: WorkerOptions,
  ) {
    this.configWatch = new ConfigWatch(config.file, process.env);
    this.queue = queueOf(options.zone);
    this.findings = staticFindings(config);
    // the engine's history names this worker (src/engine/outcomes.ts)
    const ctx: RunContext = res.ctx;
    ctx.env = { ...ctx.env, [WORKER_ID_ENV]: this.id, KEYTURN_WORKER_HOST: os.hostname() };
    if (options.zone !== undefined) ctx.env[WORKER_ZONE_ENV] = options.zone;
  }

  private get ctx(): RunContext {
    return this.res.ctx;
  }

  get ready(): boolean {
    return this.reachable && !this.stopping;
  }

  /** Connect (a clear error when the queue database cannot be reached), create the queues, start the lanes. */
  async start(): Promise<void> {
    const fleet = this.config.fleet!;
    await this.configWatch.prime();
    this.boss = await openQueue(fleet, this.ctx, { supervise: true });
    const zones = zonesOf(this.config.keys);
    if (!zones.includes(this.options.zone)) zones.push(this.options.zone);
    await ensureQueues(this.boss, fleet, zones);
    await this.boss.schedule(SCHEDULE_QUEUE, fleet.schedule, {}, { tz: 'UTC' });
    this.schema = fleet.queue.schema;
    await ensureWorkerTable(this.boss, this.schema);
    await this.heartbeat();
    this.reachable = true;
    this.lanes.push(this.watch());
    this.lanes.push(this.watchConfig());
    for (let lane = 0; lane < this.options.concurrency; lane++) this.lanes.push(this.lane(this.queue, (job) => this.rotation(job)));
    this.lanes.push(this.lane(SCHEDULE_QUEUE, () => this.scheduled()));
    const where = this.options.zone === undefined ? 'the default queue' : `zone ${this.options.zone}`;
    this.ctx.logger.info(`worker ${this.id}: taking jobs from ${where} (${this.queue}), ${this.options.concurrency} at a time`);
  }

  /** Waiting jobs per zone ('' the default queue), for /metrics and status. */
  async queueDepth(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!this.boss) return out;
    for (const zone of zonesOf(this.config.keys)) out.set(zone ?? '', await this.boss.getQueueSize(queueOf(zone)));
    return out;
  }

  /** Keys due and overdue per zone ('' no zone), as `status` decides them (plan/due.ts). */
  async dueKeys(): Promise<Map<string, DueCount>> {
    const { config, res } = this;
    const states = await readStates(config, res);
    const now = this.ctx.clock.now();
    const out = new Map<string, DueCount>();
    for (const zone of zonesOf(config.keys)) out.set(zone ?? '', { due: 0, overdue: 0 });
    for (const key of config.keys) {
      const record = states.get(key.id)?.record;
      if (!record) continue;
      const state = dueState(key, record, now);
      const count = out.get(key.zone ?? '')!;
      if (state.due) count.due++;
      if (state.due && !state.neverRotated) count.overdue++;
    }
    return out;
  }

  /** Stop taking jobs, let running rotations finish (at most graceMs), close the queue. */
  async drain(): Promise<DrainReport> {
    this.stopping = true;
    for (const wake of this.sleepers) wake();
    const lanes = Promise.all(this.lanes);
    if (this.running.size) this.ctx.logger.info(`draining: waiting for ${[...this.running.values()].join(', ')} to finish`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.graceMs);
    });
    const how = await Promise.race([lanes.then(() => 'done' as const), timedOut]);
    clearTimeout(timer);
    const unfinished = how === 'timeout' ? [...this.running.values()] : [];
    if (this.boss) await leave(this.boss, this.schema, this.id).catch(() => undefined);
    await this.boss?.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
    if (how === 'done') for (const stores of this.reloadedStores) await stores.closeAll().catch(() => undefined);
    return { unfinished };
  }

  private async lane(queue: string, handle: (job: LaneJob) => Promise<void>): Promise<void> {
    while (!this.stopping) {
      if (!this.reachable) {
        // the probe (watch) says when the queue is back; running rotations go on meanwhile
        await this.sleep(this.options.pollMs);
        continue;
      }
      // pg-boss's fetch answers [] when the database fails (watch() notices); a database that
      // stops answering would hold the lane for ever: give up after FETCH_TIMEOUT_MS (a job such
      // a fetch still takes is nobody's, and expires back into the queue)
      const fetched = this.boss!.fetch<RotationJobData>(queue, { batchSize: 1, includeMetadata: true });
      const jobs = ((await withTimeout(fetched, FETCH_TIMEOUT_MS).catch(() => [])) ?? []) as LaneJob[];
      const job = jobs[0];
      if (!job) {
        await this.sleep(this.options.pollMs);
        continue;
      }
      await handle(job);
    }
  }

  /** This worker's row in keyturn_worker (heartbeat.ts): alive, and the keys it runs now. */
  private heartbeat(): Promise<void> {
    const running = [...this.running.values()];
    return beat(this.boss!, this.schema, { id: this.id, host: os.hostname(), zone: this.options.zone, running });
  }

  /** Ask the queue database a trivial question every poll interval: /readyz and the lanes follow the answer. */
  private async watch(): Promise<void> {
    let backoff = this.options.pollMs;
    while (!this.stopping) {
      try {
        await withTimeout(this.heartbeat(), FETCH_TIMEOUT_MS);
        if (!this.reachable) this.ctx.logger.info('queue: reachable again; taking jobs');
        this.reachable = true;
        backoff = this.options.pollMs;
      } catch (error) {
        if (this.reachable) this.ctx.logger.warn(`queue: lost (${this.ctx.redactor.redact(errorText(error))}); trying again with backoff`);
        this.reachable = false;
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
      await this.sleep(this.reachable ? Math.max(1000, this.options.pollMs) : backoff);
    }
  }

  /**
   * rotation.yaml re-read when it changes (reload.ts): a valid file is the configuration of
   * every job started afterwards (a running rotation keeps the one it started with); a broken
   * one keeps the last good one, logged and notified once per change of the file.
   */
  private async watchConfig(): Promise<void> {
    while (!this.stopping) {
      await this.sleep(this.options.pollMs);
      if (this.stopping) break;
      const outcome = await this.configWatch.check().catch((error: unknown) => ({ kind: 'broken' as const, message: messageOf(error) }));
      if (outcome.kind === 'valid') await this.adopt(outcome.config);
      else if (outcome.kind === 'broken') {
        const message = this.ctx.redactor.redact(outcome.message);
        this.ctx.logger.error(`rotation.yaml: not reloaded, the last good configuration stays in use: ${message}`);
        await this.tell('failure', `rotation.yaml: not reloaded (the last good configuration stays in use): ${message}`, 'rotation.yaml');
      }
    }
  }

  private async adopt(config: Config): Promise<void> {
    const stores = new StoreSet(config.stores, { baseDir: config.dir, env: process.env, dryRun: this.ctx.dryRun });
    const issuers = new IssuerSet(config.issuers);
    this.reloadedStores.push(stores);
    this.ctx.store = (name) => stores.get(name);
    this.res = { config, ctx: this.ctx, store: (name) => stores.get(name), issuer: (name) => issuers.get(name) };
    this.findings = staticFindings(config);
    const before = new Set(this.config.keys.map((k) => k.id));
    const added = config.keys.filter((k) => !before.has(k.id)).length;
    const removed = this.config.keys.filter((k) => !config.keys.some((n) => n.id === k.id)).length;
    this.config = config;
    const counts = `${config.keys.length} keys: ${added} added, ${removed} removed`;
    this.ctx.logger.info(`rotation.yaml: reloaded (${counts}); jobs started from now on use it`);
    if (config.fleet && this.reachable) {
      const zones = zonesOf(config.keys);
      if (!zones.includes(this.options.zone)) zones.push(this.options.zone);
      await ensureQueues(this.boss!, config.fleet, zones).catch((error: unknown) =>
        this.ctx.logger.warn(`queue: could not create the queues of new zones: ${this.ctx.redactor.redact(errorText(error))}`),
      );
    }
  }

  private async rotation(job: LaneJob): Promise<void> {
    // the configuration at the job's start stays this rotation's even if rotation.yaml is reloaded meanwhile
    const { config, res, findings } = this;
    const name = typeof job.data?.key === 'string' ? job.data.key : job.id;
    this.running.set(job.id, name);
    this.metrics?.running.inc();
    let decision: JobDecision;
    try {
      decision = await runJob(
        { id: job.id, data: job.data, createdOn: new Date(job.createdOn) },
        { config, res, findings, owner: this.owner, queue: this.queue },
      );
    } catch (error) {
      decision = { action: 'retry', reason: `${name}: ${this.ctx.redactor.redact(messageOf(error))}` };
    } finally {
      this.running.delete(job.id);
      this.metrics?.running.dec();
    }
    const result = 'result' in decision ? decision.result : undefined;
    if (result) this.metrics?.record(result, this.ctx.clock.now());
    const attempt = `attempt ${job.retryCount + 1} of ${job.retryLimit + 1}`;
    if (decision.action === 'complete') {
      this.ctx.logger.info(`job ${job.id}: ${decision.note}`);
      await this.settle(() => this.boss!.complete(this.queue, job.id, { outcome: result?.outcome ?? 'none', note: decision.note }));
      if (result && (result.outcome === 'needs-attention' || result.outcome === 'blocked')) await this.tell(result.outcome, decision.note);
    } else if (decision.action === 'move') {
      this.ctx.logger.info(`job ${job.id}: ${decision.note} to ${decision.queue}`);
      const key = config.keys.find((k) => k.id === job.data.key)!;
      await this.settle(async () => {
        await enqueueRotations(this.boss!, config.fleet!, [{ key, trigger: job.data.trigger, reason: job.data.reason }]);
        await this.boss!.complete(this.queue, job.id, { outcome: 'moved', note: decision.note });
      });
    } else {
      const last = job.retryCount >= job.retryLimit;
      const tail = last ? 'no retries left: the job is marked failed' : 'it will be retried with backoff';
      this.ctx.logger.warn(`job ${job.id}: ${decision.reason} (${attempt}; ${tail})`);
      await this.settle(() => this.boss!.fail(this.queue, job.id, { reason: decision.reason }));
      if (result?.outcome === 'rolled-back' || result?.outcome === 'failed' || last)
        await this.tell('failure', `${decision.reason} (${attempt}; ${tail})`);
    }
  }

  /** The schedule's tick: enqueue every due key (its singleton key keeps a waiting key queued once). */
  private async scheduled(job?: LaneJob): Promise<void> {
    void job;
    try {
      const { requests } = await chooseKeys(this.config, this.res, { due: true });
      const sent = await enqueueRotations(this.boss!, this.config.fleet!, requests);
      const fresh = sent.filter((s) => s.jobId).length;
      this.ctx.logger.info(`schedule: ${requests.length} due key(s), ${fresh} enqueued, ${requests.length - fresh} already waiting`);
    } catch (error) {
      this.ctx.logger.warn(`schedule: could not enqueue the due keys: ${this.ctx.redactor.redact(messageOf(error))}`);
    }
  }

  /**
   * Complete or fail a job. The queue may be gone for a moment: try a few times (else the job
   * expires, and its retry finds the key rotated since the job was sent and skips it).
   */
  private async settle(action: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await action();
        return;
      } catch (error) {
        if (attempt >= 5) {
          this.ctx.logger.warn(
            `queue: could not record a job's end (${this.ctx.redactor.redact(errorText(error))}); it expires and is retried`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async tell(event: 'failure' | 'attention' | 'blocked' | 'needs-attention', line: string, title?: string): Promise<void> {
    const webhooks = this.config.notify.webhooks;
    if (!webhooks.length) return;
    const kind = event === 'needs-attention' ? 'attention' : event === 'blocked' ? 'failure' : event;
    const subject = title ?? `${line.split(':')[0]} ${event}`;
    await notify(webhooks, kind, { title: `keyturn worker ${this.id}: ${subject}`, lines: [line] }, this.ctx).catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

interface LaneJob {
  id: string;
  data: RotationJobData;
  createdOn: Date;
  retryCount: number;
  retryLimit: number;
}
