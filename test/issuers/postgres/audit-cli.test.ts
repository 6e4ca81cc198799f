/**
 * The postgres issuer's rules through the CLI: `keyturn validate` positions a bad spec at its
 * field; `keyturn audit` reports the roles keyturn refuses with their rule ids, live against
 * the server, and nothing about a key in good order (no false unknown-key for roles keyturn
 * marked); `keyturn rotate` refuses such a key before it changes anything.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { ADMIN, PgWorkspace } from './workspace.js';

describe('postgres rules through the CLI: validate, audit, rotate refusing', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  let ws: PgWorkspace;

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN.password });
    await cluster.sql(['CREATE ROLE boss LOGIN IN ROLE app', 'CREATE ROLE loner NOLOGIN', 'CREATE ROLE stray LOGIN IN ROLE app']);
    ws = await PgWorkspace.create(cluster, [
      { id: 'good', spec: '{ roles: [app_blue, app_green] }', consumer: false },
      { id: 'super', spec: '{ strategy: single, role: boss }', consumer: false },
      { id: 'split', spec: '{ roles: [app_single, stray] }', consumer: false },
    ]);
  });
  after(async () => {
    await ws?.cleanup();
    await cluster?.stop();
  });

  it('rotate refuses a role made superuser and roles that left their shared group, changing nothing', async () => {
    const first = await ws.run(['rotate', 'good', 'super', 'split', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const before = { boss: await ws.role('boss'), single: await ws.role('app_single'), stray: await ws.role('stray') };
    // someone changes the roles behind keyturn's back
    await cluster.sql(['ALTER ROLE boss SUPERUSER', 'REVOKE app FROM stray', 'GRANT loner TO stray']);
    const refused = await ws.run(['rotate', 'super', 'split', '--yes']);
    expect(refused.exitCode).to.equal(1);
    // role names are part of the key's material, which keyturn masks in its own output (docs/postgres.md, known limits)
    expect(refused.stderr, refused.stderr).to.match(/key super: keyturn refuses to rotate it: role (boss|\[REDACTED\]) is a superuser/);
    expect(refused.stderr).to.match(
      /key split: keyturn refuses to rotate it: roles \S+ and \S+ are not both members of a NOLOGIN group role/,
    );
    expect(await ws.role('boss')).to.deep.equal(before.boss);
    expect(await ws.role('app_single')).to.deep.equal(before.single);
    expect(await ws.role('stray')).to.deep.equal(before.stray);
  });

  it('audit reports each problem by rule id, live; the good key only for the password set by hand on its first role', async () => {
    const audit = await ws.run(['audit', '--json']);
    expect(audit.exitCode, audit.stderr).to.equal(1);
    const findings = (JSON.parse(audit.stdout) as { findings: Array<{ rule: string; key?: string; severity: string }> }).findings;
    const of = (key: string) => findings.filter((f) => f.key === key).map((f) => `${f.rule}:${f.severity}`);
    expect(of('super')).to.include('pg-role-superuser:error');
    expect(of('split')).to.include('pg-no-shared-group:error');
    // its first rotation set app_green; app_blue keeps the password it had until the second
    expect(of('good').filter((f) => f.startsWith('pg-'))).to.deep.equal(['pg-unmanaged-password:warn']);
    expect(findings.map((f) => f.rule)).to.not.include('unknown-key');
  });

  it('validate positions a bad spec at its field', async () => {
    const yaml = path.join(ws.dir, 'rotation.yaml');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(yaml, 'utf8');
    await writeFile(yaml, text.replace('{ strategy: single, role: boss }', '{ strategy: single, role: boss, roles: [a, b] }'));
    const validate = await ws.run(['validate']);
    expect(validate.exitCode).to.equal(2);
    expect(validate.stdout + validate.stderr).to.match(/rotation\.yaml:\d+:\d+\s+keys\[1\]\.spec\.roles\s+belongs to strategy alternating/);
    await writeFile(yaml, text);
  });
});
