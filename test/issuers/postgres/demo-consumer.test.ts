/**
 * The consumer demo (scripts/postgres-demo-consumer.ts) under keyturn: a service holding a
 * `pg` pool, reading its credential from the store, reloaded on SIGHUP by keyturn's restart
 * step, keeps answering queries through alternating rotations: none fails, and it ends on the
 * store's CURRENT key.
 */
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { DemoStats } from '../../../scripts/postgres-demo-consumer.js';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { ADMIN, PgWorkspace } from './workspace.js';

const DEMO = path.join(process.cwd(), 'dist/scripts/postgres-demo-consumer.js');

describe('postgres consumer demo: a pooled service reloaded by keyturn', function () {
  this.timeout(120_000);
  let cluster: PgCluster;
  let ws: PgWorkspace;

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN.password });
  });
  after(async () => {
    await ws?.cleanup();
    await cluster?.stop();
  });

  it('answers every query through 3 alternating rotations with an overlap, and ends on CURRENT', async () => {
    const stateDir = () => ws.dir;
    ws = await PgWorkspace.create(cluster, [
      {
        id: 'orders',
        spec: '{ roles: [app_blue, app_green] }',
        overlap: '1h',
        restart: `[node, ${JSON.stringify(DEMO)}, reload, --state, .]`,
      },
    ]);
    const first = await ws.run(['rotate', 'orders', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const service = execa(
      'node',
      [DEMO, 'serve', '--store', path.join(stateDir(), 'store.enc'), '--path', 'db/orders', '--state', stateDir(), '--rate', '100'],
      { env: { ...process.env, ...ws.env }, reject: false, stdin: 'ignore', forceKillAfterDelay: 30_000 },
    );
    try {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      for (let i = 0; i < 3; i++) {
        const r = await ws.run(['rotate', 'orders', '--yes', '--force']);
        expect(r.exitCode, r.stderr).to.equal(0);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      service.kill('SIGTERM');
    }
    const ended = await service;
    expect(ended.exitCode, String(ended.stderr)).to.equal(0);
    const stats = JSON.parse(await readFile(path.join(stateDir(), 'stats.json'), 'utf8')) as DemoStats;
    expect(stats.failed, JSON.stringify(stats.errors)).to.equal(0);
    expect(stats.queries).to.be.greaterThan(200);
    expect(stats.switches).to.equal(3);
    const state = JSON.parse(await readFile(path.join(stateDir(), 'state.json'), 'utf8')) as { keyId: string };
    expect(state.keyId).to.equal((await ws.versions('orders')).current?.keyId);
    expect(String(ended.stdout) + String(ended.stderr)).to.not.include((await ws.versions('orders')).current!.material.password!);
  });
});
