/**
 * `npm run bench:aws`: 200 secrets rotated by keyturn's engine (random issuer → Secrets
 * Manager on a local moto_server behind the strict front, signatures checked) at concurrency
 * 16, against the bare SDK calls of a rotation in the same run, and against a shell loop over
 * the aws CLI as an operator without keyturn would write it. keyturn runs three passes, each a
 * fresh store instance: the first rotation (adopting each secret), a later one (the figure), and
 * a later one without summary tags. BENCH_AWS_CALLS_OUT=<file> writes every (action, secret)
 * keyturn called, for the test of `keyturn policy aws`. moto answers in about a millisecond, so the ratio
 * here is an upper bound on keyturn's share: against real AWS every call costs tens of ms on
 * both sides, and the call count is what matters.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { CallCounter } from '../src/aws/client-config.js';
import { loadConfig } from '../src/config/load.js';
import { mapWithConcurrency } from '../src/engine/pool.js';
import { runRotations } from '../src/engine/run.js';
import { loadIssuer } from '../src/issuers/registry.js';
import { SecretsManagerStore } from '../src/stores/aws/secrets-store.js';
import { adminClientConfig, type Moto } from './moto.js';
import { startStrictMoto } from '../scripts/aws-strict-moto.js';
import { benchContext } from './support.js';

const KEYS = Number(process.env.BENCH_AWS_KEYS ?? 200);
const CONCURRENCY = 16;
/** the aws CLI starts a Python interpreter per call (~0.4s): the loop is timed on a sample */
const CLI_KEYS = Number(process.env.BENCH_AWS_CLI_KEYS ?? 10);
/** DescribeSecret (which version is CURRENT), PutSecretValue AWSPENDING, move AWSCURRENT, remove AWSPENDING */
const MINIMUM_CALLS = 4;
const run = promisify(execFile);

async function seed(client: SecretsManagerClient, prefix: string, n: number): Promise<void> {
  await mapWithConcurrency(
    Array.from({ length: n }, (_, i) => i),
    CONCURRENCY,
    (i) =>
      client.send(
        new CreateSecretCommand({ Name: `${prefix}tok-${i}`, SecretString: JSON.stringify({ value: randomBytes(20).toString('hex') }) }),
      ),
  );
}

interface KeyturnPass {
  ms: number;
  calls: number;
  byCommand: Record<string, number>;
}

/** Every (action, secret) keyturn called, for `keyturn policy aws`'s test (BENCH_AWS_CALLS_OUT). */
const called = new Set<string>();

async function keyturnSetup(dir: string, prefix: string) {
  const yaml = path.join(dir, `bench-${prefix.replace(/\W/g, '')}.yaml`);
  const keys = Array.from(
    { length: KEYS },
    (_, i) => `  - id: tok-${i}\n    purpose: bench ${i}\n    issuer: tokens\n    path: tok-${i}\n    period: 30d\n    holders: [ops]\n`,
  );
  await writeFile(
    yaml,
    `version: 1\nstores:\n  aws: { type: aws-secrets-manager, prefix: ${prefix} }\nissuers:\n  tokens: { type: random }\npeople:\n  ops: {}\nkeys:\n${keys.join('')}`,
  );
  const { config } = await loadConfig(yaml, { env: process.env });
  return { yaml, config, issuer: await loadIssuer(config.issuers.tokens!) };
}

/** One rotation of every key, keyturn's engine over a fresh store instance (a new process's view: nothing remembered). */
async function keyturnPass(
  moto: Moto,
  setup: Awaited<ReturnType<typeof keyturnSetup>>,
  prefix: string,
  summaryTags: boolean,
): Promise<KeyturnPass> {
  const { config, issuer } = setup;
  const client = new SecretsManagerClient(adminClientConfig(moto));
  const counter = new CallCounter();
  counter.attach(client as never);
  client.middlewareStack.add(
    ((next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) =>
      (args: { input: Record<string, unknown> }) => {
        const ids = args.input.SecretIdList ?? [args.input.SecretId ?? args.input.Name ?? '*'];
        for (const id of ids as string[]) called.add(`${(context.commandName ?? '').replace(/Command$/, '')} ${id}`);
        return next(args);
      }) as never,
    { step: 'initialize', name: 'benchCalled' },
  );
  const store = new SecretsManagerStore({ client, prefix, summaryTags });
  const started = performance.now();
  const results = await runRotations(
    config.keys.map((key) => ({ key, trigger: 'due' as const })),
    { config, ctx: benchContext(), store: async () => store, issuer: async () => issuer },
    { concurrency: CONCURRENCY, retire: false },
  );
  const ms = performance.now() - started;
  const failed = results.filter((r) => r.outcome !== 'completed');
  if (failed.length) throw new Error(`${failed.length} rotations did not complete: ${failed[0]!.error}`);
  client.destroy();
  const byCommand = Object.fromEntries([...counter.calls].map(([name, n]) => [name.replace(/Command$/, ''), +(n / KEYS).toFixed(2)]));
  return { ms, calls: counter.total, byCommand };
}

async function bareSdkRun(moto: Moto, prefix: string): Promise<{ ms: number; calls: number }> {
  const client = new SecretsManagerClient(adminClientConfig(moto));
  const counter = new CallCounter();
  counter.attach(client as never);
  const started = performance.now();
  await mapWithConcurrency(
    Array.from({ length: KEYS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const SecretId = `${prefix}tok-${i}`;
      const token = `bare-${randomBytes(16).toString('hex')}`;
      const d = await client.send(new DescribeSecretCommand({ SecretId }));
      const current = Object.entries(d.VersionIdsToStages ?? {}).find(([, l]) => l?.includes('AWSCURRENT'))?.[0];
      await client.send(
        new PutSecretValueCommand({
          SecretId,
          ClientRequestToken: token,
          SecretString: JSON.stringify({ value: randomBytes(20).toString('hex') }),
          VersionStages: ['AWSPENDING'],
        }),
      );
      await client.send(
        new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSCURRENT', MoveToVersionId: token, RemoveFromVersionId: current }),
      );
      await client.send(new UpdateSecretVersionStageCommand({ SecretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }));
    },
  );
  const ms = performance.now() - started;
  client.destroy();
  return { ms, calls: counter.total };
}

/** The same four calls per secret through the aws CLI, one secret after another, as a shell script would. */
async function cliLoop(moto: Moto, dir: string, prefix: string): Promise<number> {
  const script = path.join(dir, 'rotate.sh');
  await writeFile(
    script,
    `set -eu
for i in $(seq 0 $(($N - 1))); do
  id="$PREFIX""tok-$i"
  cur=$(aws secretsmanager describe-secret --secret-id "$id" --query 'VersionIdsToStages' --output json | python3 -c 'import json,sys; print([k for k,v in json.load(sys.stdin).items() if "AWSCURRENT" in v][0])')
  tok=$(python3 -c 'import uuid; print(uuid.uuid4())')
  printf '{"value":"%s"}' "$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \\n')" > "$TMP/value.json"
  aws secretsmanager put-secret-value --secret-id "$id" --client-request-token "$tok" --secret-string "file://$TMP/value.json" --version-stages AWSPENDING > /dev/null
  aws secretsmanager update-secret-version-stage --secret-id "$id" --version-stage AWSCURRENT --move-to-version-id "$tok" --remove-from-version-id "$cur" > /dev/null
  aws secretsmanager update-secret-version-stage --secret-id "$id" --version-stage AWSPENDING --remove-from-version-id "$tok" > /dev/null
done
`,
  );
  const started = performance.now();
  await run('sh', [script], { env: { ...process.env, ...moto.env, N: String(CLI_KEYS), PREFIX: prefix, TMP: dir }, maxBuffer: 1 << 24 });
  return performance.now() - started;
}

async function main(): Promise<void> {
  // AWS's rules on moto (scripts/aws-strict-front.ts): the bench must not lean on moto's laxness either
  const moto = await startStrictMoto();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-aws-'));
  try {
    const admin = new SecretsManagerClient(adminClientConfig(moto));
    const [kp, bp, cp] = ['kt', 'bare', 'cli'].map((p) => `${p}-${randomBytes(3).toString('hex')}/`) as [string, string, string];
    await seed(admin, kp, KEYS);
    await seed(admin, bp, KEYS);
    await seed(admin, cp, CLI_KEYS);
    admin.destroy();
    const setup = await keyturnSetup(dir, kp);
    // the first rotation adopts each secret (its state secret is created); the second is every later one
    const first = await keyturnPass(moto, setup, kp, true);
    const bare = await bareSdkRun(moto, bp);
    const steady = await keyturnPass(moto, setup, kp, true);
    const untagged = await keyturnPass(moto, setup, kp, false);
    const cliMs = CLI_KEYS > 0 ? await cliLoop(moto, dir, cp) : 0;
    const perRotation = (ms: number, n: number) => ms / n;
    const pass = (p: KeyturnPass) => ({
      ms: Math.round(p.ms),
      ratio: +(p.ms / bare.ms).toFixed(2),
      callsPerRotation: +(p.calls / KEYS).toFixed(1),
      callsByCommand: p.byCommand,
    });
    const report = {
      keys: KEYS,
      concurrency: CONCURRENCY,
      bareSdkMs: Math.round(bare.ms),
      bareCallsPerRotation: +(bare.calls / KEYS).toFixed(1),
      minimumCallsPerRotation: MINIMUM_CALLS,
      keyturn: pass(steady),
      keyturnFirstRotation: pass(first),
      keyturnWithoutSummaryTags: pass(untagged),
      cliLoop: { keys: CLI_KEYS, ms: Math.round(cliMs), msPerRotation: Math.round(perRotation(cliMs, CLI_KEYS || 1)) },
      cliLoopVsKeyturnPerRotation: +(perRotation(cliMs, CLI_KEYS || 1) / perRotation(steady.ms, KEYS)).toFixed(1),
    };
    if (process.env.BENCH_AWS_CALLS_OUT) {
      await writeFile(
        process.env.BENCH_AWS_CALLS_OUT,
        JSON.stringify({ yaml: setup.yaml, region: moto.region, prefix: kp, calls: [...called].sort() }, null, 2),
      );
    }
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await moto.stop();
    if (!process.env.BENCH_AWS_CALLS_OUT) await rm(dir, { recursive: true, force: true });
  }
}

await main();
