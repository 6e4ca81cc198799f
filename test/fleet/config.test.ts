/** rotation.yaml's fleet section and per-key zone, through the built CLI's validate and plan. */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { CLI } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const yaml = (fleet: string, zone: string) => `version: 1
defaults: { store: local }
stores:
  local: { type: file, path: store.enc }
issuers:
  gen: { type: random }
${fleet}keys:
  - id: a
    purpose: zoned key
    issuer: gen
    period: 30d
    zone: ${zone}
  - id: b
    purpose: default-queue key
    issuer: gen
    period: 30d
`;

describe('fleet configuration: fleet.queue and zone', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('keyturn-fleet-config-');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });
  const run = async (text: string, args: string[]) => {
    await writeFile(path.join(dir, 'rotation.yaml'), text);
    const env = { KEYTURN_QUEUE_URL: 'postgres://keyturn@127.0.0.1:5432/queue', KEYTURN_MASTER_KEY: 'ab'.repeat(32) };
    const r = await execa('node', [CLI, ...args], { cwd: dir, env, reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  it('plan shows each key its zone', async () => {
    const r = await run(yaml('fleet:\n  queue:\n    url: ${KEYTURN_QUEUE_URL}\n    expireAfter: 30s\n', 'eu-west'), ['plan', '--all']);
    expect(r.exitCode, r.stderr).to.equal(0);
    const a = r.stdout.slice(r.stdout.indexOf('a — zoned key'), r.stdout.indexOf('b — default-queue key'));
    expect(a).to.match(/\n {2}zone {7}eu-west\n/);
    expect(r.stdout.slice(r.stdout.indexOf('b — default-queue key'))).to.not.include('zone ');
    const json = await run(yaml('', 'eu-west'), ['plan', '--all', '--json']);
    expect(JSON.parse(json.stdout).keys.map((k: { zone?: string }) => k.zone)).to.deep.equal(['eu-west', undefined]);
  });

  it('bad fleet settings and zones: every problem with file:line, the field, exit 2, no stack trace', async () => {
    const fleet =
      'fleet:\n  queue:\n    url: postgres://keyturn:hunter2hunter2@db/queue\n    expireAfter: 0s\n    retryLimit: 500\n    retryDelay: 2h\n';
    const r = await run(yaml(fleet, 'eu west'), ['validate']);
    expect(r.exitCode).to.equal(2);
    expect(r.stderr).to.match(/rotation\.yaml:9:10 {2}fleet\.queue\.url {2}the queue URL carries a literal password/);
    expect(r.stderr).to.match(/rotation\.yaml:10:18 {2}fleet\.queue\.expireAfter {2}`0s` must be at least 1s/);
    expect(r.stderr).to.match(/rotation\.yaml:11:17 {2}fleet\.queue\.retryLimit {2}must be at most 100/);
    expect(r.stderr).to.match(/rotation\.yaml:12:17 {2}fleet\.queue\.retryDelay {2}`2h` must be at most 1h/);
    expect(r.stderr).to.match(/rotation\.yaml:\d+:11 {2}keys\[0\]\.zone {2}`eu west` is not a valid name/);
    expect(r.stderr).to.not.include('hunter2');
    expect(r.stderr).to.not.match(/\n\s+at [\w.]+ \(/);
  });

  it('worker and enqueue without a fleet section say what to add', async () => {
    for (const args of [['worker'], ['enqueue', '--all']]) {
      const r = await run(yaml('', 'eu'), args);
      expect(r.exitCode).to.equal(2);
      expect(r.stderr).to.include('error: rotation.yaml has no fleet section');
      expect(r.stderr).to.include('fleet: { queue: { url: ${KEYTURN_QUEUE_URL} } }');
    }
  });
});
