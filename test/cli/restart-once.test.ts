/**
 * One restart per consumer per run: keys rotated together that share a consumer (by name or
 * restart target) restart it once with all their new keys, health-check it once, and roll
 * back together when that restart fails. The consumer counts its own starts: each start
 * appends a line to CONSUMER_STATE/<name>.log with the key ids and the sha256 of every secret
 * variable it was given (never the secret).
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expectAliveAtProvider, sha256 } from '../support/invariants.js';
import { providerConfigHead, Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';

const CONSUMER = `
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
const dir = process.env.CONSUMER_STATE;
const names = (process.env.KEYTURN_SECRET_ENV ?? '').split(',').filter(Boolean);
const secrets = Object.fromEntries(names.map((n) => [n, createHash('sha256').update(process.env[n] ?? '').digest('hex')]));
appendFileSync(dir + '/' + process.argv[2] + '.log', JSON.stringify({ keyIds: process.env.KEYTURN_KEY_ID, secrets }) + '\\n');
`;

const HEALTH = `
import { unlinkSync } from 'node:fs';
// claimed by the unlink itself, so of concurrent health checks exactly one fails
const flag = process.env.CONSUMER_STATE_FLAG;
let claimed = false;
try { if (flag) { unlinkSync(flag); claimed = true; } } catch { claimed = false; }
if (claimed) process.exit(1);
`;

interface Start {
  keyIds: string;
  secrets: Record<string, string>;
}

interface KeySpec {
  id: string;
  /** consumer name, and the variable its secret goes to */
  consumers: Array<{ name: string; variable: string; target?: string }>;
}

describe('cli: one restart per consumer per run', function () {
  this.timeout(120_000);
  let ws: Workspace;
  /** shared(['key-a', 'key-b', 'key-c']) rotated once with --all, made once in before() */
  let rotatedSeed: Workspace;

  before(async () => {
    rotatedSeed = await Workspace.create({ keys: 1 });
    await configure(rotatedSeed, shared(['key-a', 'key-b', 'key-c']));
    const first = await rotatedSeed.run(['rotate', '--all', '--yes', '--json']);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  after(async () => rotatedSeed?.cleanup());
  afterEach(async () => ws?.cleanup());

  async function workspace(keys: KeySpec[]): Promise<void> {
    ws = await Workspace.create({ keys: 1 });
    await configure(ws, keys);
  }

  /** This test's own copy of the seed: the three keys sharing api, each rotated once, api started once. */
  async function rotatedOnce(): Promise<void> {
    ws = await copyWorkspace(rotatedSeed);
    // its rotation.yaml runs its own consumer.mjs and health.mjs
    await configure(ws, shared(['key-a', 'key-b', 'key-c']));
  }

  /** Write the consumer and health scripts and a rotation.yaml with these keys into the workspace. */
  async function configure(target: Workspace, keys: KeySpec[]): Promise<void> {
    const consumerJs = path.join(target.dir, 'consumer.mjs');
    const healthJs = path.join(target.dir, 'health.mjs');
    await writeFile(consumerJs, CONSUMER);
    await writeFile(healthJs, HEALTH);
    const yaml = `${providerConfigHead()}people:
  bob: { name: Bob }
keys:
${keys
  .map(
    (k) => `  - id: ${k.id}
    purpose: test key ${k.id}
    issuer: provider
    path: app/${k.id}
    period: 30d
    holders: [bob]
    consumers:
${k.consumers
  .map(
    (c) => `      - name: ${c.name}
        restart: { command: [node, ${JSON.stringify(consumerJs)}, ${c.target ?? c.name}] }
        health: { command: [node, ${JSON.stringify(healthJs)}], retries: 0 }
        env: { ${c.variable}: secret }
`,
  )
  .join('')}`,
  )
  .join('')}`;
    await writeFile(path.join(target.dir, 'rotation.yaml'), yaml);
    target.env.CONSUMER_STATE_FLAG = path.join(target.env.CONSUMER_STATE!, 'unhealthy-once');
  }

  const shared = (ids: string[]): KeySpec[] =>
    ids.map((id) => ({ id, consumers: [{ name: 'api', variable: `${id.toUpperCase().replace('-', '_')}_SECRET` }] }));

  function starts(name: string): Start[] {
    const file = path.join(ws.env.CONSUMER_STATE!, `${name}.log`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Start);
  }

  async function current(key: string): Promise<{ keyId: string; sha: string }> {
    const store = await ws.store();
    try {
      const version = await store.current(ws.ref(key));
      return { keyId: version!.keyId, sha: sha256(version!.material.secret!) };
    } finally {
      await store.close();
    }
  }

  const variable = (key: string) => `${key.toUpperCase().replace('-', '_')}_SECRET`;

  /** Run rotate with --json: each key's outcome ("completed", "rolled-back at restart"), sorted by key. */
  async function rotate(args: string[], env: Record<string, string> = {}) {
    const result = await ws.run(['rotate', ...args, '--yes', '--json'], env);
    let results: Array<{ key: string; outcome: string; failedStep?: string }> = [];
    try {
      results = (JSON.parse(result.stdout) as { results: typeof results }).results;
    } catch {
      // killed: no summary
    }
    const outcomes = results.map((r) => (r.failedStep ? `${r.outcome} at ${r.failedStep}` : r.outcome));
    return { ...result, outcomes, byKey: Object.fromEntries(results.map((r, i) => [r.key, outcomes[i]])) };
  }

  async function expectStartedWithCurrent(start: Start, keys: string[]): Promise<void> {
    const currents = await Promise.all(keys.map(current));
    expect(start.keyIds.split(',')).to.deep.equal(currents.map((c) => c.keyId));
    expect(start.secrets).to.deep.equal(Object.fromEntries(keys.map((k, i) => [variable(k), currents[i]!.sha])));
  }

  it('restarts a consumer three keys share once, with all three new keys in its environment', async () => {
    await workspace(shared(['key-a', 'key-b', 'key-c']));
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.outcomes).to.deep.equal(['completed', 'completed', 'completed']);
    const seen = starts('api');
    expect(seen, 'api was started once').to.have.length(1);
    await expectStartedWithCurrent(seen[0]!, ['key-a', 'key-b', 'key-c']);
  });

  it('groups by restart target as well as by name', async () => {
    await workspace([
      { id: 'key-a', consumers: [{ name: 'api', variable: 'KEY_A_SECRET' }] },
      { id: 'key-b', consumers: [{ name: 'api-server', variable: 'KEY_B_SECRET', target: 'api' }] },
    ]);
    const plan = await ws.run(['plan', '--all']);
    expect(plan.stdout).to.contain('restart api/api-server once for keys key-a, key-b, health-checked once');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(starts('api')).to.have.length(1);
  });

  it('does not hang with --concurrency 1 and a group of three', async () => {
    await workspace(shared(['key-a', 'key-b', 'key-c']));
    const result = await rotate(['--all', '--concurrency', '1']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(starts('api')).to.have.length(1);
    await expectStartedWithCurrent(starts('api')[0]!, ['key-a', 'key-b', 'key-c']);
  });

  it('rolls back every key the shared restart carried when its health check fails, restoring the consumer once', async () => {
    await rotatedOnce();
    const keys = ['key-a', 'key-b', 'key-c'];
    const before = await Promise.all(keys.map(current));

    await writeFile(ws.env.CONSUMER_STATE_FLAG!, '');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stdout + result.stderr).to.equal(1);
    expect(result.outcomes).to.deep.equal(['rolled-back at restart', 'rolled-back at restart', 'rolled-back at restart']);
    expect(await Promise.all(keys.map(current))).to.deep.equal(before);
    // the new keys were deleted at the issuer: only the old ones are alive
    expectAliveAtProvider(
      ws,
      before.map((b) => b.keyId),
    );
    // first run; the failed shared restart; one restart back on the three old keys
    const seen = starts('api');
    expect(seen).to.have.length(3);
    await expectStartedWithCurrent(seen[2]!, keys);
  });

  it("puts back the old key of one that fails after the shared restart, keeping the others' new keys", async () => {
    await rotatedOnce();
    await ws.failProviderOnce('verify');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stdout).to.equal(1);
    expect([...result.outcomes].sort()).to.deep.equal(['completed', 'completed', 'rolled-back at verify']);
    const seen = starts('api');
    // first run; the shared restart on three new keys; back on the failed key's old one with the two new
    expect(seen).to.have.length(3);
    await expectStartedWithCurrent(seen[2]!, ['key-a', 'key-b', 'key-c']);
  });

  it('leaves out the new key of a key that failed before restart', async () => {
    await rotatedOnce();
    await ws.failProviderOnce('create');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stdout).to.equal(1);
    expect([...result.outcomes].sort()).to.deep.equal(['completed', 'completed', 'rolled-back at create']);
    const seen = starts('api');
    expect(seen).to.have.length(2);
    // the one restart of this run: the two new keys and the failed key's old one, which is still CURRENT
    await expectStartedWithCurrent(seen[1]!, ['key-a', 'key-b', 'key-c']);
  });

  it('revoke (leak mode) restarts the shared consumer once too, with --concurrency 1', async () => {
    await rotatedOnce();
    const result = await ws.run(['revoke', '--all', '--reason', 'host breached', '--yes', '--concurrency', '1']);
    expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
    const seen = starts('api');
    expect(seen).to.have.length(2);
    await expectStartedWithCurrent(seen[1]!, ['key-a', 'key-b', 'key-c']);
  });

  it('after a crash, each resumed key restarts the consumer alone, and every key completes', async () => {
    await workspace(shared(['key-a', 'key-b']));
    const crashed = await rotate(['--all'], { KEYTURN_FAILPOINTS: 'restart:before@key-a=kill' });
    expect(crashed.signal).to.equal('SIGKILL');
    expect(starts('api')).to.have.length(0);
    const resumed = await rotate(['--all']);
    expect(resumed.exitCode, resumed.stdout + resumed.stderr).to.equal(0);
    expect(resumed.outcomes).to.deep.equal(['completed', 'completed']);
    expect(resumed.stderr).to.contain('resumed from an earlier run');
    const seen = starts('api');
    expect(seen).to.have.length(2);
    const alone = seen.map((s) => Object.keys(s.secrets));
    expect(alone.sort()).to.deep.equal([['KEY_A_SECRET'], ['KEY_B_SECRET']]);
  });

  it('gives the consumer the current key of a group member another run holds', async () => {
    await rotatedOnce();
    const store = await ws.store();
    const lease = await store.lease(ws.ref('key-b'), 'elsewhere:1:abc', 60_000);
    await store.close();
    try {
      const result = await rotate(['--all']);
      expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
      expect(result.byKey).to.deep.equal({ 'key-a': 'completed', 'key-b': 'skipped', 'key-c': 'completed' });
    } finally {
      await lease.release().catch(() => undefined);
    }
    const seen = starts('api');
    expect(seen).to.have.length(2);
    await expectStartedWithCurrent(seen[1]!, ['key-a', 'key-b', 'key-c']);
  });

  it("rotating one key of a shared consumer restarts it with that key's new key and the others' current keys", async () => {
    await rotatedOnce();
    const plan = await ws.run(['plan', 'key-b']);
    expect(plan.stdout).to.contain('restart api for key key-b with the current key of key-a, key-c, health-checked once');
    const result = await rotate(['key-b']);
    expect(result.exitCode, result.stdout + result.stderr).to.equal(0);
    const seen = starts('api');
    expect(seen).to.have.length(2);
    await expectStartedWithCurrent(seen[1]!, ['key-a', 'key-b', 'key-c']);
    expect(seen[1]!.secrets.KEY_A_SECRET).to.equal(seen[0]!.secrets.KEY_A_SECRET);
    expect(seen[1]!.secrets.KEY_B_SECRET).to.not.equal(seen[0]!.secrets.KEY_B_SECRET);
  });

  it('without shared consumers: no grouping in the plan, and every key restarts its own consumer', async () => {
    ws = await Workspace.create({ keys: 2 });
    const plan = JSON.parse((await ws.run(['plan', '--all', '--json'])).stdout) as Record<string, unknown>;
    expect(plan).to.not.have.property('consumerGroups');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stderr).to.equal(0);
    for (const key of ['key-1', 'key-2']) expect(ws.consumer(`app-${key.slice(4)}`)?.keyId).to.equal((await current(key)).keyId);
  });

  it('refuses to group keys that map the same variable, and restarts per key as before', async () => {
    await workspace([
      { id: 'key-a', consumers: [{ name: 'api', variable: 'APP_SECRET' }] },
      { id: 'key-b', consumers: [{ name: 'api', variable: 'APP_SECRET' }] },
    ]);
    const plan = await ws.run(['plan', '--all']);
    expect(plan.stdout).to.contain('api is not restarted once for keys key-a, key-b: keys key-a and key-b both map APP_SECRET');
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(result.stderr).to.contain('both map APP_SECRET');
    expect(starts('api')).to.have.length(2);
  });

  it('restarts consumers no other key shares once per key, as before, and plan shows the grouping', async () => {
    await workspace([
      {
        id: 'key-a',
        consumers: [
          { name: 'api', variable: 'KEY_A_SECRET' },
          { name: 'solo-a', variable: 'KEY_A_SECRET' },
        ],
      },
      { id: 'key-b', consumers: [{ name: 'api', variable: 'KEY_B_SECRET' }] },
      { id: 'key-c', consumers: [{ name: 'solo-c', variable: 'KEY_C_SECRET' }] },
    ]);
    // plan writes nothing: its two forms run at once
    const [plan, planJson] = await Promise.all([ws.run(['plan', '--all']), ws.run(['plan', '--all', '--json'])]);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(plan.stdout).to.contain('Consumers shared by these keys:\n  restart api once for keys key-a, key-b, health-checked once');
    const json = JSON.parse(planJson.stdout) as { consumerGroups: unknown };
    expect(json.consumerGroups).to.deep.equal([
      { consumer: 'api', keys: ['key-a', 'key-b'], once: true, line: 'restart api once for keys key-a, key-b, health-checked once' },
    ]);
    const result = await rotate(['--all']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(starts('api')).to.have.length(1);
    await expectStartedWithCurrent(starts('api')[0]!, ['key-a', 'key-b']);
    expect(starts('solo-a')).to.have.length(1);
    await expectStartedWithCurrent(starts('solo-a')[0]!, ['key-a']);
    expect(starts('solo-c')).to.have.length(1);
    await expectStartedWithCurrent(starts('solo-c')[0]!, ['key-c']);
  });
});
