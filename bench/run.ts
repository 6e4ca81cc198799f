/**
 * npm run bench: the figures quoted in issue notes.
 *  1. `keyturn plan --all` on a generated rotation.yaml of 10,000 keys: wall time, peak RSS
 *  2. cold start of `keyturn --help` and of `keyturn validate` on a 100-key file
 *  3. engine overhead: 1,000 keys through the file store and the random issuer at
 *     concurrency 16, against the same calls made bare in the same run
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateRotationYaml } from './gen-rotation-yaml.js';
import { measureRedaction } from './redaction.js';
import { measureEngineOverhead } from './engine-overhead.js';

const CLI = path.resolve('dist/src/cli/main.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Wall time and peak RSS of one CLI run, measured by GNU time from outside the process. */
function timed(args: string[], env: NodeJS.ProcessEnv): { wallMs: number; rssMb: number } {
  const started = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'RSS_KB=%M', process.execPath, CLI, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (run.status !== 0) throw new Error(`keyturn ${args.join(' ')} exited ${run.status}: ${run.stderr.slice(-2000)}`);
  const rssKb = Number(/RSS_KB=(\d+)/.exec(run.stderr)?.[1] ?? NaN);
  return { wallMs, rssMb: rssKb / 1024 };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-'));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') };
  const rows: string[] = [];
  try {
    const big = path.join(dir, 'rotation-10k.yaml');
    await writeFile(big, generateRotationYaml(10_000));
    const plans = Array.from({ length: 3 }, () => timed(['plan', '--all', '--config', big], env));
    rows.push(
      `plan --all, 10,000 keys: ${median(plans.map((p) => p.wallMs)).toFixed(0)} ms wall (median of 3), peak RSS ${Math.max(...plans.map((p) => p.rssMb)).toFixed(0)} MB   [target < 1000 ms, < 200 MB]`,
    );

    const small = path.join(dir, 'rotation-100.yaml');
    await writeFile(small, generateRotationYaml(100));
    const help = Array.from({ length: 7 }, () => timed(['--help'], env).wallMs);
    rows.push(`cold start, keyturn --help: ${median(help).toFixed(0)} ms (median of 7)   [target < 300 ms]`);
    const validate = Array.from({ length: 7 }, () => timed(['validate', '--config', small], env).wallMs);
    rows.push(`cold start, keyturn validate (100 keys): ${median(validate).toFixed(0)} ms (median of 7)   [target < 300 ms]`);
    const node = Array.from({ length: 7 }, () => {
      const t = performance.now();
      spawnSync(process.execPath, ['-e', '0']);
      return performance.now() - t;
    });
    rows.push(`  (node -e 0 alone: ${median(node).toFixed(0)} ms)`);

    const overhead = await measureEngineOverhead(1000, 16);
    rows.push(
      `engine overhead, 1,000 keys, file store + random issuer, concurrency 16: keyturn ${overhead.keyturnMs.toFixed(0)} ms, bare calls ${overhead.bareMs.toFixed(0)} ms, ratio ${overhead.ratio.toFixed(2)}   [target <= 1.2]`,
    );
    rows.push(
      `  store calls per rotation: keyturn ${overhead.storeCallsPerRotation.toFixed(1)}, bare loop ${overhead.bareStoreCallsPerRotation.toFixed(1)}`,
    );
    rows.push(`  durable file writes (group commits): keyturn ${overhead.fileWrites.keyturn}, bare loop ${overhead.fileWrites.bare}`);

    const redaction = measureRedaction();
    rows.push(
      `redaction, ${redaction.megabytes} MB of log text: ${redaction.nothingRegisteredUs.toFixed(1)} µs with nothing registered, ` +
        `${redaction.fiftySecretsMs.toFixed(0)} ms against 50 secrets (median of 5)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
