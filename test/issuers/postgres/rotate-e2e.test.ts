/**
 * The postgres issuer end to end through the built CLI, against a real PostgreSQL server
 * (a throwaway cluster with log_statement = all): rotate with both strategies, offboard,
 * revoke, rollback when verify fails; and at the end, no password keyturn ever issued is in
 * the server's log, the CLI's output or a consumer's argv.
 */
import { expect } from 'chai';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { ADMIN, PgWorkspace, type CliResult } from './workspace.js';

const ALT = "{ strategy: alternating, roles: [app_blue, app_green], verifyQuery: \"SELECT has_table_privilege('orders', 'SELECT')\" }";
const SINGLE = "{ strategy: single, role: app_single, verifyQuery: \"SELECT has_table_privilege('orders', 'SELECT')\" }";

describe('postgres issuer: end to end through the CLI against a real server', function () {
  this.timeout(120_000);
  let cluster: PgCluster;
  let ws: PgWorkspace;
  /** every password a rotation issued, and every CLI output, for the leak checks at the end */
  const passwords = new Set<string>();
  const outputs: string[] = [];

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN.password });
    ws = await PgWorkspace.create(cluster, [
      { id: 'db-alt', spec: ALT },
      { id: 'db-overlap', spec: '{ strategy: alternating, roles: [ov_blue, ov_green] }', overlap: '1h', holders: 'carol' },
      { id: 'db-single', spec: SINGLE, holders: 'carol' },
    ]);
    await cluster.sql(['CREATE ROLE ov_blue LOGIN IN ROLE app', 'CREATE ROLE ov_green LOGIN IN ROLE app']);
  });
  after(async () => {
    await ws?.cleanup();
    await cluster?.stop();
  });

  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const result = await ws.run(args, env);
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  async function current(key: string) {
    const { current: cur, previous } = await ws.versions(key);
    for (const v of [cur, previous]) if (v?.material.password) passwords.add(v.material.password);
    return { cur: cur!, previous };
  }

  it('alternating: the first rotation sets the second role; the second sets the first and locks the old one', async () => {
    const first = await cli(['rotate', 'db-alt', '--yes', '--log-level', 'debug']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const one = await current('db-alt');
    expect(one.cur.keyId).to.match(/^pg:app_green:rot-/);
    expect(one.cur.material).to.include({ username: 'app_green', host: cluster.host, port: String(cluster.port), database: 'appdb' });
    expect(one.cur.material.url).to.equal(`postgresql://app_green:${one.cur.material.password}@${cluster.host}:${cluster.port}/appdb`);
    expect(await ws.login('app_green', one.cur.material.password!)).to.equal(undefined);
    expect(ws.consumer('db-alt-app')).to.deep.equal({ user: 'app_green', keyId: one.cur.keyId });
    expect((await ws.role('app_green')).comment).to.match(
      new RegExp(`^keyturn keyId=${one.cur.keyId} state=live at=\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z issuer=db$`),
    );
    expect((await ws.role('app_blue')).comment).to.equal(null);

    const second = await cli(['rotate', 'db-alt', '--yes', '--force']);
    expect(second.exitCode, second.stderr).to.equal(0);
    const two = await current('db-alt');
    expect(two.cur.keyId).to.match(/^pg:app_blue:rot-/);
    expect(await ws.login('app_blue', two.cur.material.password!)).to.equal(undefined);
    expect(ws.consumer('db-alt-app')?.user).to.equal('app_blue');
    // no overlap: the old role is locked at once, and its old password refused (28P01)
    expect(await ws.login('app_green', one.cur.material.password!)).to.equal('28P01');
    const green = await ws.role('app_green');
    expect(green.expired).to.equal(true);
    expect(green.comment).to.match(new RegExp(`^keyturn keyId=${one.cur.keyId} state=locked`));
  });

  it('plan shows which role is active and which one the rotation will set', async () => {
    const { cur } = await current('db-alt');
    const active = cur.material.username!;
    const next = active === 'app_blue' ? 'app_green' : 'app_blue';
    const plan = await cli(['plan', 'db-alt']);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(plan.stdout).to.include(
      `set a fresh password (SCRAM verifier) on role ${next} at ${cluster.host}:${cluster.port}/appdb (${active} is active`,
    );
  });

  it('alternating with an overlap: the old role keeps working until the window passes, and the next rotation retires it first', async () => {
    const first = await cli(['rotate', 'db-overlap', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const a = await current('db-overlap');
    const second = await cli(['rotate', 'db-overlap', '--yes', '--force']);
    expect(second.exitCode, second.stderr).to.equal(0);
    const b = await current('db-overlap');
    expect(b.cur.material.username).to.equal('ov_blue');
    // both work through the overlap window: consumers not yet restarted keep their sessions and logins
    expect(await ws.login('ov_green', a.cur.material.password!)).to.equal(undefined);
    expect(await ws.login('ov_blue', b.cur.material.password!)).to.equal(undefined);
    const third = await cli(['rotate', 'db-overlap', '--yes', '--force']);
    expect(third.exitCode, third.stderr).to.equal(0);
    const c = await current('db-overlap');
    expect(c.cur.material.username).to.equal('ov_green');
    expect(c.cur.material.password).to.not.equal(a.cur.material.password);
    expect(await ws.login('ov_green', a.cur.material.password!)).to.equal('28P01');
    expect(await ws.login('ov_green', c.cur.material.password!)).to.equal(undefined);
    expect(await ws.login('ov_blue', b.cur.material.password!)).to.equal(undefined, 'ov_blue is within its overlap window');
  });

  it('single: ALTER ROLE in place; the old password is refused from the switch on', async () => {
    const first = await cli(['rotate', 'db-single', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const a = await current('db-single');
    expect(a.cur.keyId).to.match(/^pg:app_single:rot-/);
    // at debug level too: the leak check at the end reads this output
    const second = await cli(['rotate', 'db-single', '--yes', '--force', '--log-level', 'debug']);
    expect(second.exitCode, second.stderr).to.equal(0);
    expect(second.stderr).to.match(/debug/);
    const b = await current('db-single');
    expect(b.cur.keyId).to.not.equal(a.cur.keyId);
    expect(await ws.login('app_single', a.cur.material.password!)).to.equal('28P01');
    expect(await ws.login('app_single', b.cur.material.password!)).to.equal(undefined);
    expect(ws.consumer('db-single-app')?.user).to.equal('app_single');
    // retiring the old key id did not touch the role: its mark names the new key
    expect((await ws.role('app_single')).comment).to.match(new RegExp(`^keyturn keyId=${b.cur.keyId} state=live`));
  });

  it('rollback when verify fails (alternating): the new role is locked, the old role and its password untouched and working', async () => {
    const before = await current('db-alt');
    await cluster.sql('REVOKE SELECT ON orders FROM app', 'appdb');
    try {
      const failed = await cli(['rotate', 'db-alt', '--yes', '--force']);
      expect(failed.exitCode, failed.stderr).to.equal(1);
      expect(failed.stderr).to.match(/verifyQuery returned false/);
    } finally {
      await cluster.sql('GRANT SELECT ON orders TO app', 'appdb');
    }
    const after = await current('db-alt');
    expect(after.cur.keyId).to.equal(before.cur.keyId);
    expect(await ws.login(before.cur.material.username!, before.cur.material.password!)).to.equal(undefined);
    const other = before.cur.material.username === 'app_blue' ? 'app_green' : 'app_blue';
    const locked = await ws.role(other);
    expect(locked.expired).to.equal(true);
    expect(locked.comment).to.match(/state=locked/);
    expect(ws.consumer('db-alt-app')?.user).to.equal(before.cur.material.username);
  });

  it('rollback when verify fails (single): the old password is put back on the role before consumers restart on it', async () => {
    const before = await current('db-single');
    await cluster.sql('REVOKE SELECT ON orders FROM app', 'appdb');
    try {
      const failed = await cli(['rotate', 'db-single', '--yes', '--force']);
      expect(failed.exitCode, failed.stderr).to.equal(1);
      expect(failed.stderr).to.match(/rolled back/);
    } finally {
      await cluster.sql('GRANT SELECT ON orders TO app', 'appdb');
    }
    const after = await current('db-single');
    expect(after.cur.keyId).to.equal(before.cur.keyId);
    expect(await ws.login('app_single', before.cur.material.password!)).to.equal(undefined);
    expect((await ws.role('app_single')).comment).to.match(new RegExp(`^keyturn keyId=${before.cur.keyId} state=live`));
    expect(ws.consumer('db-single-app')).to.deep.equal({ user: 'app_single', keyId: before.cur.keyId });
  });

  it('single, a failure after verify (a failpoint): the run needs attention, the old password is back at its end, the next run finishes', async () => {
    const before = await current('db-single');
    const failed = await cli(['rotate', 'db-single', '--yes', '--force'], { KEYTURN_FAILPOINTS: 'verify:after@db-single=error' });
    // the engine restarts consumers on the old key before it revokes the new one: in single that restart is refused once
    expect(failed.exitCode, failed.stderr).to.equal(3);
    expect(await ws.login('app_single', before.cur.material.password!)).to.equal(undefined);
    const again = await cli(['rotate', 'db-single', '--yes']);
    expect(again.exitCode, again.stderr).to.be.oneOf([0, 1]);
    const after = await current('db-single');
    expect(after.cur.keyId).to.equal(before.cur.keyId);
    expect(ws.consumer('db-single-app')).to.deep.equal({ user: 'app_single', keyId: before.cur.keyId });
    const status = await cli(['status']);
    expect(status.stdout).to.not.match(/attention/i);
  });

  it('offboard a holder: every key carol holds rotates now, the overlap ignored: the old passwords are refused', async () => {
    const overlapBefore = await current('db-overlap');
    const singleBefore = await current('db-single');
    const result = await cli(['offboard', 'carol', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const overlapAfter = await current('db-overlap');
    const singleAfter = await current('db-single');
    expect(overlapAfter.cur.keyId).to.not.equal(overlapBefore.cur.keyId);
    expect(singleAfter.cur.keyId).to.not.equal(singleBefore.cur.keyId);
    expect(await ws.login(overlapBefore.cur.material.username!, overlapBefore.cur.material.password!)).to.equal('28P01');
    expect(await ws.login('app_single', singleBefore.cur.material.password!)).to.equal('28P01');
    expect(await ws.login(overlapAfter.cur.material.username!, overlapAfter.cur.material.password!)).to.equal(undefined);
  });

  it('revoke (a leak): the old password is refused at once, before the replacement exists', async () => {
    const before = await current('db-alt');
    const result = await cli(['revoke', 'db-alt', '--reason', 'pasted in a chat', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const after = await current('db-alt');
    expect(after.cur.keyId).to.not.equal(before.cur.keyId);
    expect(await ws.login(before.cur.material.username!, before.cur.material.password!)).to.equal('28P01');
    expect(await ws.login(after.cur.material.username!, after.cur.material.password!)).to.equal(undefined);
    expect(ws.consumer('db-alt-app')?.user).to.equal(after.cur.material.username);
  });

  it("no password of any rotation is in the server's log (log_statement = all), keyturn's output or a consumer's argv", async () => {
    const log = cluster.log();
    expect(log).to.match(/statement: ALTER ROLE "app_blue" PASSWORD 'SCRAM-SHA-256\$4096:/, 'the server logged the statements');
    expect(passwords.size).to.be.greaterThan(6);
    const argv = ws.consumerArgv();
    for (const password of [...passwords, ADMIN.password]) {
      expect(log.includes(password), 'a password in the server log').to.equal(false);
      expect(
        outputs.some((o) => o.includes(password)),
        'a password in keyturn output',
      ).to.equal(false);
      expect(argv.includes(password), 'a password in argv').to.equal(false);
    }
  });
});
