/**
 * npm run bench:fleet — rotations through the fleet's queue (pg-boss on a real PostgreSQL)
 * against `keyturn rotate` directly.
 *
 * KEYS keys (default 1,000) whose `command` issuer takes DELAY seconds per create (default
 * 0.05), in a store every worker shares: the Vault stand-in in its own process (BENCH_STORE=vault,
 * the default, as a fleet would use), or the file store of the temp project (BENCH_STORE=file:
 * one host's file behind one lock, which serializes the workers). Three runs,
 * each on fresh keys, at the same per-process concurrency C (default 4):
 *   direct    keyturn rotate --all --yes --concurrency C
 *   1 worker  keyturn enqueue --all, then one keyturn worker --concurrency C until all done
 *   4 workers the same with four workers
 * Printed: wall time and throughput of each, the 4-vs-1 throughput ratio (target ≥ 3.5) and
 * the queue's own cost per job (1 worker against direct, per lane, plus enqueue per job).
 *
 *   BENCH_KEYS=1000 BENCH_DELAY=0.05 BENCH_CONCURRENCY=4 BENCH_STORE=vault npm run bench:fleet
 */
import { Fleet, type FleetKeys } from '../test/fleet/fleet-workspace.js';
import { startVaultProcess, type VaultProcess } from './vault-process.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1000);
const DELAY = process.env.BENCH_DELAY ?? '0.05';
const C = Number(process.env.BENCH_CONCURRENCY ?? 4);
const STORE = process.env.BENCH_STORE === 'file' ? 'file' : 'vault';
let vault: VaultProcess | undefined;
const keys = (extra: Partial<FleetKeys> = {}): FleetKeys => ({ plain: KEYS, ...(vault ? { vault } : {}), ...extra });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => (ms / 1000).toFixed(1);

async function direct(cluster: Awaited<ReturnType<typeof Fleet.startCluster>>): Promise<number> {
  const fleet = await Fleet.create(cluster, keys());
  try {
    const started = Date.now();
    const r = await fleet.run(['rotate', '--all', '--yes', '--concurrency', String(C), '--log-level', 'warn'], { ISSUER_DELAY: DELAY });
    if (r.exitCode !== 0) throw new Error(`rotate failed (${r.exitCode}): ${r.stderr.slice(0, 500)}`);
    return Date.now() - started;
  } finally {
    await fleet.cleanup();
  }
}

async function viaQueue(
  cluster: Awaited<ReturnType<typeof Fleet.startCluster>>,
  workers: number,
): Promise<{ enqueueMs: number; runMs: number }> {
  const fleet = await Fleet.create(cluster, keys({ expireAfter: '15m' }));
  try {
    let started = Date.now();
    const sent = await fleet.run(['enqueue', '--all', '--log-level', 'warn']);
    if (sent.exitCode !== 0) throw new Error(`enqueue failed: ${sent.stderr.slice(0, 500)}`);
    const enqueueMs = Date.now() - started;
    started = Date.now();
    const procs = Array.from({ length: workers }, () =>
      fleet.worker(['--concurrency', String(C), '--log-level', 'warn'], { ISSUER_DELAY: DELAY }),
    );
    for (;;) {
      const states = await fleet.jobStates();
      if ((states.completed ?? 0) + (states.failed ?? 0) >= KEYS) break;
      await sleep(250);
    }
    const runMs = Date.now() - started;
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs);
    const failed = (await fleet.jobStates()).failed ?? 0;
    if (failed) throw new Error(`${failed} job(s) failed`);
    return { enqueueMs, runMs };
  } finally {
    await fleet.cleanup();
  }
}

async function main(): Promise<void> {
  const cluster = await Fleet.startCluster();
  if (STORE === 'vault') vault = await startVaultProcess();
  try {
    const store = vault ? 'the Vault stand-in as the shared store' : 'file store';
    console.log(`bench:fleet: ${KEYS} keys, create takes ${DELAY}s, concurrency ${C} per process (${store}, PostgreSQL queue)`);
    const directMs = await direct(cluster);
    console.log(`  direct    rotate --all           ${seconds(directMs)} s   ${((KEYS * 1000) / directMs).toFixed(1)} rotations/s`);
    const one = await viaQueue(cluster, 1);
    console.log(
      `  1 worker  (enqueue ${seconds(one.enqueueMs)} s)     ${seconds(one.runMs)} s   ${((KEYS * 1000) / one.runMs).toFixed(1)} rotations/s`,
    );
    const four = await viaQueue(cluster, 4);
    console.log(
      `  4 workers (enqueue ${seconds(four.enqueueMs)} s)     ${seconds(four.runMs)} s   ${((KEYS * 1000) / four.runMs).toFixed(1)} rotations/s`,
    );
    console.log(`  throughput 4 workers / 1 worker: ${(one.runMs / four.runMs).toFixed(2)} (target ≥ 3.5)`);
    const perLane = ((one.runMs - directMs) * C) / KEYS;
    console.log(
      `  queue overhead per job: ${perLane.toFixed(1)} ms of a lane's time (1 worker vs rotate, same concurrency), ` +
        `plus ${(one.enqueueMs / KEYS).toFixed(2)} ms to enqueue it`,
    );
  } finally {
    vault?.stop();
    await cluster.cluster.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
