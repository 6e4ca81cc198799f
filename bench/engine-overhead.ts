/**
 * Engine overhead: N keys rotated by keyturn's engine (file store + random issuer) at a
 * given concurrency, against the very same store and issuer calls made bare, in a loop at
 * the same concurrency, in the same process. The ratio is what the pipeline costs: its
 * journal bookkeeping is counted as store calls on both sides, so the ratio shows the
 * engine's own overhead (step table, logging, redaction, results).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load.js';
import type { Config, KeyConfig } from '../src/config/types.js';
import { newRotationId, type RunContext } from '../src/context.js';
import { mapWithConcurrency } from '../src/engine/pool.js';
import { runRotations } from '../src/engine/run.js';
import { loadIssuer } from '../src/issuers/registry.js';
import type { Issuer, IssuerContext } from '../src/issuers/types.js';
import { openStore } from '../src/stores/registry.js';
import type { SecretStore } from '../src/stores/types.js';
import { benchContext } from './support.js';
import type { StoreRef } from '../src/model.js';
import type { Resources } from '../src/resources.js';

const ROUNDS = 3;

export interface OverheadResult {
  keys: number;
  concurrency: number;
  keyturnMs: number;
  bareMs: number;
  ratio: number;
  storeCallsPerRotation: number;
  bareStoreCallsPerRotation: number;
  /** durable writes of the store file (each an fsync and a rename) in the best round of each side */
  fileWrites: { keyturn: number; bare: number };
}

/** The file store's own count of durable writes: group commit folds concurrent mutations into one. */
function fileWritesOf(store: SecretStore): number {
  return (store as unknown as { stats?: { writes?: number } }).stats?.writes ?? NaN;
}

function tokensYaml(n: number, storeFile: string): string {
  const keys = Array.from(
    { length: n },
    (_, i) =>
      `  - id: tok-${i}\n    purpose: bench token ${i}\n    issuer: tokens\n    path: bench/tok-${i}\n    period: 30d\n    holders: [ops]\n`,
  );
  return `version: 1\nstores:\n  local: { type: file, path: ${storeFile} }\nissuers:\n  tokens: { type: random }\npeople:\n  ops: {}\nkeys:\n${keys.join('')}`;
}

/** Counts the store calls a run makes, to hold the bare loop to the same work. */
function counting(store: SecretStore, counter: { calls: number }): SecretStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'describe' || prop === 'close') return value;
      return (...args: unknown[]) => {
        counter.calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function keyturnRun(config: Config, store: SecretStore, issuer: Issuer, concurrency: number): Promise<number> {
  const ctx = benchContext();
  const res: Resources = { config, ctx, store: async () => store, issuer: async () => issuer };
  const requests = config.keys.map((key) => ({ key, trigger: 'due' as const }));
  const started = performance.now();
  const results = await runRotations(requests, res, { concurrency, retire: false });
  const elapsed = performance.now() - started;
  const failed = results.filter((r) => r.outcome !== 'completed');
  if (failed.length) throw new Error(`bench: ${failed.length} rotations did not complete: ${failed[0]!.error}`);
  return elapsed;
}

/** The calls the engine makes for one key's first rotation, made directly. */
async function bareRotation(key: KeyConfig, config: Config, store: SecretStore, issuer: Issuer, ctx: RunContext): Promise<void> {
  const ref: StoreRef = { store: key.store, path: key.path, key: key.id };
  const rotationId = newRotationId(ctx.clock);
  const now = () => ctx.clock.now().toISOString();
  const lease = await store.lease(ref, `bare:${process.pid}`, 60_000);
  await store.journal(ref);
  await store.rotation(ref);
  await store.current(ref);
  await store.pending(ref);
  const journal = {
    rotationId,
    key: key.id,
    trigger: 'due' as const,
    actor: 'bench',
    startedAt: now(),
    updatedAt: now(),
    step: 'create' as const,
    done: [],
    status: 'running' as const,
    notes: {},
  };
  await store.writeJournal(ref, journal);
  const ictx: IssuerContext = { ...ctx, rotationId, notes: {}, saveNotes: async () => {} };
  const target = { key, issuer: config.issuers[key.issuer]! };
  const issued = await issuer.create(target, ictx);
  await store.stage(ref, rotationId, { keyId: issued.keyId, material: issued.material, meta: { rotationId } });
  await store.promote(ref, rotationId);
  // the journal's checkpoints after the intent: consumers touched, the point of no return
  await store.writeJournal(ref, { ...journal, step: 'restart' });
  await issuer.verify(issued, target, ictx);
  await store.writeJournal(ref, { ...journal, step: 'retire' });
  await store.record(ref, { lastRotatedAt: now(), lastRotationId: rotationId, currentKeyId: issued.keyId });
  await store.appendHistory(ref, {
    rotationId,
    key: key.id,
    trigger: 'due',
    actor: 'bench',
    startedAt: journal.startedAt,
    finishedAt: now(),
    durationMs: 0,
    newKeyId: issued.keyId,
    outcome: 'completed',
  });
  await store.writeJournal(ref, undefined);
  await lease.release();
}

async function bareRun(config: Config, store: SecretStore, issuer: Issuer, concurrency: number): Promise<number> {
  const ctx = benchContext();
  const started = performance.now();
  await mapWithConcurrency(config.keys, concurrency, (key) => bareRotation(key, config, store, issuer, ctx));
  return performance.now() - started;
}

export async function measureEngineOverhead(keys: number, concurrency: number): Promise<OverheadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-'));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') };
  try {
    const open = async (name: string, counter: { calls: number }) => {
      const file = path.join(dir, `${name}.yaml`);
      await writeFile(file, tokensYaml(keys, `${name}.enc`));
      const { config } = await loadConfig(file, { env });
      const store = await openStore(config.stores.local!, { baseDir: dir, env });
      const issuer = await loadIssuer(config.issuers.tokens!);
      return { config, store: counting(store, counter), issuer, raw: store };
    };
    const times = { keyturn: [] as number[], bare: [] as number[] };
    const writes = { keyturn: [] as number[], bare: [] as number[] };
    const counters = { keyturn: { calls: 0 }, bare: { calls: 0 } };
    // Alternate on fresh stores, so neither side profits from a warmer machine; the disk's
    // fsync times vary run to run, so each side's best of three is compared.
    for (let round = 0; round < ROUNDS; round++) {
      const bare = await open(`bare-${round}`, counters.bare);
      times.bare.push(await bareRun(bare.config, bare.store, bare.issuer, concurrency));
      await bare.raw.close();
      writes.bare.push(fileWritesOf(bare.raw));
      const engine = await open(`keyturn-${round}`, counters.keyturn);
      times.keyturn.push(await keyturnRun(engine.config, engine.store, engine.issuer, concurrency));
      await engine.raw.close();
      writes.keyturn.push(fileWritesOf(engine.raw));
    }
    const keyturnMs = Math.min(...times.keyturn);
    const bareMs = Math.min(...times.bare);
    return {
      keys,
      concurrency,
      keyturnMs,
      bareMs,
      ratio: keyturnMs / bareMs,
      storeCallsPerRotation: counters.keyturn.calls / (ROUNDS * keys),
      bareStoreCallsPerRotation: counters.bare.calls / (ROUNDS * keys),
      fileWrites: { keyturn: writes.keyturn[times.keyturn.indexOf(keyturnMs)]!, bare: writes.bare[times.bare.indexOf(bareMs)]! },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
