/**
 * kill -9 at every step of a postgres rotation, then a rerun, against a real server: the key
 * ends rotated once more with exactly one role CURRENT and working with the stored password,
 * the old password refused (the other role locked, or in single the role's password
 * replaced), and no role left holding a password keyturn does not know — including a crash
 * right after the password was set and before the store had it (the orphan is found by its
 * mark and undone). test/support/crash-matrix.ts drives the `command` provider; this is its
 * postgres counterpart.
 */
import { expect } from 'chai';
import { CRASH_POINTS } from '../../support/crash-matrix.js';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { ADMIN, PgWorkspace } from './workspace.js';

// the shared matrix's points, and the issuer's own calls (where a role's password changes)
const POINTS = [...CRASH_POINTS, 'issuer.create', 'issuer.verify', 'issuer.revoke'];

describe('postgres issuer: SIGKILL at each step, then a rerun', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  let n = 0;

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN.password });
  });
  after(async () => {
    await cluster?.stop();
  });

  // with an overlap window the old role stays live after the rerun: then it must hold exactly
  // the password of the key the store keeps for retirement (PREVIOUS), never one keyturn lost
  for (const point of ['create:after', 'promote:after', 'verify:after', 'retire:before', 'record:before', 'unlock:after']) {
    it(`alternating with an overlap: killed at ${point}`, async () => {
      n++;
      const roles = [`c${n}_blue`, `c${n}_green`];
      await cluster.sql(roles.map((r) => `CREATE ROLE ${r} LOGIN IN ROLE app`));
      const ws = await PgWorkspace.create(cluster, [{ id: 'pg-key', spec: `{ roles: [${roles.join(', ')}] }`, overlap: '1h' }]);
      try {
        const first = await ws.run(['rotate', 'pg-key', '--yes']);
        expect(first.exitCode, first.stderr).to.equal(0);
        const initial = (await ws.versions('pg-key')).current!;
        const killed = await ws.run(['rotate', 'pg-key', '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
        expect(killed.signal, `killed at ${point}: ${killed.stderr}`).to.equal('SIGKILL');
        const rerun = await ws.run(['rotate', 'pg-key', '--yes']);
        expect(rerun.exitCode, rerun.stderr).to.equal(0);
        const { current, previous, pending } = await ws.versions('pg-key');
        expect(pending).to.equal(undefined);
        expect(current!.keyId).to.not.equal(initial.keyId);
        const store = await ws.store();
        const retiring = (await store.rotation(ws.ref('pg-key'))).pendingRetire;
        expect(retiring?.keyId, 'the old key waits for retirement').to.equal(previous?.keyId);
        expect(await ws.login(current!.material.username!, current!.material.password!)).to.equal(undefined);
        expect(ws.consumer('pg-key-app')?.keyId).to.equal(current!.keyId);
        const other = roles.find((r) => r !== current!.material.username)!;
        const state = await ws.role(other);
        expect(state.expired, `${other} is within its overlap`).to.equal(false);
        expect(state.comment).to.match(new RegExp(`^keyturn keyId=${previous!.keyId} state=live`));
        expect(previous!.material.username).to.equal(other);
        expect(await ws.login(other, previous!.material.password!), 'the old role works with the stored password').to.equal(undefined);
      } finally {
        await ws.cleanup();
      }
    });
  }

  // single: the points around the issuer's own calls, where the one role's password differs
  // from alternating's; the engine's other points are the same path and run for alternating
  const SINGLE_POINTS = [
    'issuer.create',
    'create:after',
    'store.stage',
    'promote:after',
    'issuer.verify',
    'verify:after',
    'issuer.revoke',
    'retire:after',
  ];
  for (const strategy of ['alternating', 'single'] as const) {
    for (const point of strategy === 'alternating' ? POINTS : SINGLE_POINTS) {
      it(`${strategy}: killed at ${point}`, async () => {
        n++;
        const roles = strategy === 'alternating' ? [`c${n}_blue`, `c${n}_green`] : [`c${n}_one`];
        await cluster.sql(roles.map((r) => `CREATE ROLE ${r} LOGIN IN ROLE app`));
        const spec = strategy === 'alternating' ? `{ roles: [${roles.join(', ')}] }` : `{ strategy: single, role: ${roles[0]} }`;
        const ws = await PgWorkspace.create(cluster, [{ id: 'pg-key', spec }]);
        try {
          const first = await ws.run(['rotate', 'pg-key', '--yes']);
          expect(first.exitCode, first.stderr).to.equal(0);
          const initial = (await ws.versions('pg-key')).current!;

          const killed = await ws.run(['rotate', 'pg-key', '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
          expect(killed.signal, `killed at ${point}: ${killed.stderr}`).to.equal('SIGKILL');
          const rerun = await ws.run(['rotate', 'pg-key', '--yes']);
          expect(rerun.exitCode, rerun.stderr).to.equal(0);

          const { current, pending } = await ws.versions('pg-key');
          const store = await ws.store();
          expect(pending, 'no PENDING version').to.equal(undefined);
          expect(await store.journal(ws.ref('pg-key')), 'no journal').to.equal(undefined);
          expect(current!.keyId).to.not.equal(initial.keyId);
          const user = current!.material.username!;
          expect(await ws.login(user, current!.material.password!), 'CURRENT logs in').to.equal(undefined);
          expect(await ws.login(initial.material.username!, initial.material.password!), 'the old password is refused').to.equal('28P01');
          expect(ws.consumer('pg-key-app')).to.deep.equal({ user, keyId: current!.keyId });
          for (const role of roles) {
            const state = await ws.role(role);
            if (role === user) {
              expect(state.expired, `${role} is CURRENT`).to.equal(false);
              expect(state.comment).to.match(new RegExp(`^keyturn keyId=${current!.keyId} state=live`));
            } else {
              // the other role: locked (no overlap here), never live with a password keyturn lost
              expect(state.expired, `${role} is locked`).to.equal(true);
              expect(state.comment).to.match(/state=locked/);
            }
          }
        } finally {
          await ws.cleanup();
        }
      });
    }
  }
});
