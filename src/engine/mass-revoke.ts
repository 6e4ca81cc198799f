/**
 * Mass revoke (leak response for many keys): every selected old key is deleted first, in
 * parallel up to each issuer's limit, and proven dead where the issuer can tell; only once
 * every deletion has had its first try does any replacement start (create … record, at the
 * run's concurrency). Each key still runs the one leak pipeline (lease, journal, resume): the
 * hooks only hold its lane between revoke-old and create. A deletion that fails is retried
 * (the key's journal resumes at revoke-old) while the other keys go on to their replacements.
 * Times are this machine's real time from the start of the run: what an incident report needs.
 */
import type { StepName } from '../model.js';
import type { Resources } from '../resources.js';
import type { RotationJob, RotationRequest, StepHooks } from './job.js';
import type { RotationResult } from './result.js';
import { Slots } from './pool.js';
import { runRotations } from './run.js';

export interface MassRevokeOptions {
  /** replacements at once */
  concurrency: number;
  /** tries of each deletion (default 3) */
  attempts?: number;
  /** wait before the second try; doubles after (default 500 ms) */
  backoffMs?: number;
  blocked?: Map<string, string>;
  /** an old key proven dead (or deleted, where the issuer cannot tell) */
  onDead?: (death: Death) => void;
  onResult?: (result: RotationResult) => void;
  /** the caller's `before` (progress), called once this one lets the key's step begin */
  hooks?: Pick<StepHooks, 'before'>;
}

export interface Death {
  key: string;
  oldKeyId?: string;
  /** ms from the start of the run until the old key was deleted (and proven dead); undefined: not deleted */
  deadAfterMs?: number;
  /** true when the issuer proved it dead (isDead), false when it can only delete */
  proven: boolean;
  attempts: number;
  /** the last deletion error (redacted), when a try failed */
  error?: string;
  /** there was no current key to delete */
  none?: boolean;
}

export interface MassRevokeReport {
  results: RotationResult[];
  deaths: Death[];
  /** until every old key that could be deleted was dead; undefined when one could not be */
  allDeadAfterMs?: number;
  /** until every key's run ended (replaced or not) */
  doneAfterMs: number;
}

const DEFAULT_PARALLEL_REVOKES = 8;

export async function massRevoke(
  requests: readonly RotationRequest[],
  res: Resources,
  options: MassRevokeOptions,
): Promise<MassRevokeReport> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const attempts = options.attempts ?? 3;
  const backoffMs = options.backoffMs ?? 500;
  const { redactor, logger } = res.ctx;

  const revokeSlots = new Map<string, Slots>();
  for (const name of new Set(requests.map((r) => r.key.issuer))) {
    const issuer = await res.issuer(name);
    revokeSlots.set(name, new Slots(Math.max(1, issuer.parallelRevokes ?? DEFAULT_PARALLEL_REVOKES)));
  }
  const replaceSlots = new Slots(Math.max(1, options.concurrency));
  const deaths = new Map<string, Death>(requests.map((r) => [r.key.id, { key: r.key.id, proven: false, attempts: 0 }]));

  // The barrier: every key's first deletion try has ended (or its lane did).
  const unsettled = new Set(requests.map((r) => r.key.id));
  let open!: () => void;
  const allTried = new Promise<void>((resolve) => (open = resolve));
  const settle = (keyId: string) => {
    if (unsettled.delete(keyId) && unsettled.size === 0) open();
  };
  if (!unsettled.size) open();

  const issuerOf = (keyId: string) => requests.find((r) => r.key.id === keyId)!.key.issuer;
  const releaseAll = (keyId: string) => {
    revokeSlots.get(issuerOf(keyId))?.release(keyId);
    replaceSlots.release(keyId);
  };

  const barrier = async (job: RotationJob, step: StepName): Promise<void> => {
    const death = deaths.get(job.key.id)!;
    if (step === 'revoke-old') {
      death.attempts++;
      death.oldKeyId = job.journal.oldKeyId;
      await revokeSlots.get(job.key.issuer)!.acquire(job.key.id);
      return;
    }
    // past the deletion (or resumed beyond it): wait for every other deletion, then take a replacement slot
    revokeSlots.get(job.key.issuer)!.release(job.key.id);
    settle(job.key.id);
    await allTried;
    await replaceSlots.acquire(job.key.id);
  };

  const hooks = {
    async before(job: RotationJob, step: StepName): Promise<void> {
      await barrier(job, step);
      await options.hooks?.before?.(job, step);
    },
    after(job: RotationJob, step: StepName): void {
      if (step !== 'revoke-old') return;
      const death = deaths.get(job.key.id)!;
      death.oldKeyId = job.journal.oldKeyId;
      if (!job.journal.oldKeyId) death.none = true;
      else {
        death.deadAfterMs = elapsed();
        death.proven = Boolean(job.issuer.isDead);
        death.error = undefined;
      }
      revokeSlots.get(job.key.issuer)!.release(job.key.id);
      settle(job.key.id);
      options.onDead?.(death);
    },
    idle(job: RotationJob): void {
      // waiting for the other keys of a shared consumer: its replacement slot goes to one of them
      replaceSlots.release(job.key.id);
    },
  };

  const results = await runRotations(requests, res, {
    // every lane starts at once: each waits at the barrier, so fewer lanes than keys would never open it
    concurrency: Math.max(1, requests.length),
    blocked: options.blocked,
    retire: false,
    hooks,
    async again(result, attempt) {
      const keyId = result.key;
      const death = deaths.get(keyId)!;
      const deletionFailed = result.failedStep === 'revoke-old' && death.deadAfterMs === undefined && !death.none;
      if (deletionFailed) death.error = result.error ?? result.outcome;
      releaseAll(keyId);
      settle(keyId);
      if (!deletionFailed || attempt >= attempts) return false;
      const waitMs = backoffMs * 2 ** (attempt - 1);
      logger.warn(redactor.redact(`${keyId}: deleting the old key failed (try ${attempt} of ${attempts}); trying again in ${waitMs}ms`), {
        error: death.error,
      });
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      return true;
    },
    onResult(result) {
      // a key blocked by policy was never touched: its old key is alive, and the report must say so
      if (result.outcome === 'blocked') deaths.get(result.key)!.error = result.error ?? 'blocked by policy';
      releaseAll(result.key);
      settle(result.key);
      options.onResult?.(result);
    },
  });

  const list = [...deaths.values()];
  const deletable = list.filter((d) => !d.none);
  const allDead = deletable.every((d) => d.deadAfterMs !== undefined);
  return {
    results,
    deaths: list,
    allDeadAfterMs: allDead ? Math.max(0, ...deletable.map((d) => d.deadAfterMs!)) : undefined,
    doneAfterMs: elapsed(),
  };
}
