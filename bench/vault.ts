/**
 * Vault store benchmark: N keys rotated by keyturn's engine into the stand-in (run as its own
 * process, as a Vault server would be) at a given concurrency, against the bare node-vault
 * calls a safe rotation cannot do without, made in a loop at the same concurrency in the same
 * run: write the new material to a side path, read the secret's version, write the secret
 * with check-and-set on it, remove the side path, write the rotation into custom_metadata.
 * Prints the time ratio and Vault requests per rotation against that minimum.
 *   node dist/bench/vault.js [keys=500] [concurrency=16]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import createClient from 'node-vault';
import { loadConfig } from '../src/config/load.js';
import { mapWithConcurrency } from '../src/engine/pool.js';
import { runRotations } from '../src/engine/run.js';
import { loadIssuer } from '../src/issuers/registry.js';
import { openStore } from '../src/stores/registry.js';
import { benchContext } from './support.js';
import { startVaultProcess } from './vault-process.js';

/** requests of the bare loop per rotation: the minimum for a safe, CAS-guarded rotation */
const MINIMUM_REQUESTS = 5;

/** The stand-in's request count and its own CPU time so far. */
async function serverStats(addr: string): Promise<{ requests: number; cpuMs: number }> {
  const res = await fetch(`${addr}/_standin/stats`);
  return (await res.json()) as { requests: number; cpuMs: number };
}

function clientCpuMs(): number {
  const cpu = process.cpuUsage();
  return (cpu.user + cpu.system) / 1000;
}

interface Side {
  times: number[];
  requests: number;
  /** CPU milliseconds per rotation: this process (keyturn or the bare loop) and the stand-in */
  clientCpu: number;
  serverCpu: number;
}

/** Run one side once, counting its requests and the CPU both processes spent on it. */
async function measure(addr: string, side: Side, run: () => Promise<number>): Promise<void> {
  const before = { ...(await serverStats(addr)), client: clientCpuMs() };
  side.times.push(await run());
  const after = { ...(await serverStats(addr)), client: clientCpuMs() };
  side.requests += after.requests - before.requests;
  side.clientCpu += after.client - before.client;
  side.serverCpu += after.cpuMs - before.cpuMs;
}

async function keyturnRun(dir: string, round: number, keys: number, concurrency: number, env: NodeJS.ProcessEnv): Promise<number> {
  const file = path.join(dir, `vault-${round}.yaml`);
  const list = Array.from(
    { length: keys },
    (_, i) =>
      `  - id: tok-${i}\n    purpose: bench token ${i}\n    issuer: tokens\n    path: bench-${round}/tok-${i}\n    period: 30d\n    holders: [ops]\n`,
  );
  await writeFile(
    file,
    `version: 1\nstores:\n  local: { type: vault, mount: secret }\nissuers:\n  tokens: { type: random }\npeople:\n  ops: {}\nkeys:\n${list.join('')}`,
  );
  const { config } = await loadConfig(file, { env });
  const store = await openStore(config.stores.local!, { baseDir: dir, env });
  const issuer = await loadIssuer(config.issuers.tokens!);
  const started = performance.now();
  const results = await runRotations(
    config.keys.map((key) => ({ key, trigger: 'due' as const })),
    { config, ctx: benchContext(), store: async () => store, issuer: async () => issuer },
    { concurrency, retire: false },
  );
  const elapsed = performance.now() - started;
  await store.close();
  const failed = results.filter((r) => r.outcome !== 'completed');
  if (failed.length) throw new Error(`bench: ${failed.length} rotations did not complete: ${failed[0]!.error}`);
  return elapsed;
}

async function bareRun(addr: string, token: string, round: number, keys: number, concurrency: number): Promise<number> {
  const vault = createClient({ endpoint: addr, token, debug: () => undefined } as never);
  const started = performance.now();
  await mapWithConcurrency(
    Array.from({ length: keys }, (_, i) => i),
    concurrency,
    async (i) => {
      const p = `bare-${round}/tok-${i}`;
      // what the random issuer does: fresh bytes, no I/O
      const issued = { keyId: `tok-${i}-${round}`, material: { secret: randomBytes(32).toString('base64url') } };
      await vault.write(`secret/data/keyturn/${p}/pending`, { options: { cas: 0 }, data: issued.material });
      let version: number;
      try {
        version = Number((await vault.read(`secret/data/${p}`)).data.metadata.version);
      } catch {
        version = 0;
      }
      await vault.write(`secret/data/${p}`, { options: { cas: version }, data: issued.material });
      await vault.delete(`secret/metadata/keyturn/${p}/pending`);
      await vault.write(`secret/metadata/${p}`, {
        custom_metadata: { 'keyturn-key-id': issued.keyId, 'keyturn-rotated-at': new Date().toISOString() },
      });
    },
  );
  return performance.now() - started;
}

async function main() {
  const keys = Number(process.argv[2] ?? 500);
  const concurrency = Number(process.argv[3] ?? 16);
  const rounds = 3;
  const server = await startVaultProcess();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-vault-'));
  const env = { ...process.env, VAULT_ADDR: server.addr, VAULT_TOKEN: server.token };
  try {
    const sides = {
      keyturn: { times: [], requests: 0, clientCpu: 0, serverCpu: 0 } as Side,
      bare: { times: [], requests: 0, clientCpu: 0, serverCpu: 0 } as Side,
    };
    // alternate the sides on fresh paths; each side's best round is compared
    for (let round = 0; round < rounds; round += 1) {
      await measure(server.addr, sides.bare, () => bareRun(server.addr, server.token, round, keys, concurrency));
      await measure(server.addr, sides.keyturn, () => keyturnRun(dir, round, keys, concurrency, env));
    }
    const keyturnMs = Math.min(...sides.keyturn.times);
    const bareMs = Math.min(...sides.bare.times);
    const per = (n: number) => Number((n / (rounds * keys)).toFixed(2));
    const result = {
      keys,
      concurrency,
      keyturnMs: Math.round(keyturnMs),
      bareMs: Math.round(bareMs),
      ratio: Number((keyturnMs / bareMs).toFixed(2)),
      /** issue 10's targets: at most 2.0× the bare loop, at most 9 requests per rotation */
      target: 2.0,
      requestTarget: 9,
      vaultRequestsPerRotation: Number(per(sides.keyturn.requests).toFixed(1)),
      bareRequestsPerRotation: Number(per(sides.bare.requests).toFixed(1)),
      minimumRequestsPerRotation: MINIMUM_REQUESTS,
      /** where the time goes: CPU ms per rotation in the client process and in the stand-in */
      cpuMsPerRotation: {
        keyturn: { client: per(sides.keyturn.clientCpu), standIn: per(sides.keyturn.serverCpu) },
        bare: { client: per(sides.bare.clientCpu), standIn: per(sides.bare.serverCpu) },
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
