/**
 * kill -9 at every step of a postgres rotation, then a rerun, against a real server: the key
 * ends rotated once more with exactly one role CURRENT and working with the stored password,
 * the old password refused (the other role locked, or in single the role's password
 * replaced), and no role left holding a password keyturn does not know — including a crash
 * right after the password was set and before the store had it (the orphan is found by its
 * mark and undone). test/support/crash-matrix.ts drives the `command` provider; this is its
 * postgres counterpart.
 *
 * Every case starts from a key rotated once. Each kind of key (alternating with an overlap,
 * alternating, single) is rotated once through the CLI by a seed workspace, whose roles'
 * state on the server (password verifier, expiry, mark) is read then; a case gets its own copy
 * of the seed's folder (store, consumers) and the same roles recreated and put back exactly as
 * the seed's rotation left them (checked before the case runs), instead of the admin credential
 * and the first rotation again through two more CLIs per case.
 */
import { expect } from 'chai';
import pg from 'pg';
import { CRASH_POINTS } from '../../support/crash-matrix.js';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { ADMIN, PgWorkspace, type PgKeyOptions } from './workspace.js';

/**
 * The shared matrix's points, and the issuer's own calls (where a role's password changes),
 * less the points where a kill leaves the server and the store exactly as a kill at another
 * point of this list does, or where the rerun calls the issuer exactly as an uninterrupted run
 * does. These run on the file store and the Vault stand-in (test/engine/crash-file.test.ts,
 * test/vault/crash.test.ts: the engine's path is the same whatever the issuer), and here:
 * - lock:before: nothing written anywhere, the rerun is an uninterrupted second rotation
 *   (rotate-e2e.test.ts "alternating: the first rotation sets the second role …");
 * - create:before: the intent checkpoint written, the issuer not called: as issuer.create;
 * - stage:before: the password set, nothing staged: as create:after and store.stage;
 * - promote:before, store.promote: staged, not promoted: as stage:after;
 * - restart:before: promoted, resumed at restart: as promote:after (whose journal still says
 *   create; the store shows it promoted, so the rerun resumes at restart too);
 * - restart:after, verify:before: the consumer restarted, verify not begun: as issuer.verify;
 * - record:after: the old role locked, the journal at retire: the rerun repeats retire on the
 *   locked role as after retire:after and record:before (the record and history written once
 *   is the engine's, and the other matrices check it);
 * - unlock:after: the run had finished, the rerun is a third rotation onto the role locked:
 *   as "alternating with an overlap: killed at unlock:after" below, which retires first.
 */
const SAME_AS_ANOTHER = new Set([
  'lock:before',
  'create:before',
  'stage:before',
  'promote:before',
  'store.promote',
  'restart:before',
  'restart:after',
  'verify:before',
  'record:after',
  'unlock:after',
]);
const POINTS = [...CRASH_POINTS.filter((p) => !SAME_AS_ANOTHER.has(p)), 'issuer.create', 'issuer.verify', 'issuer.revoke'];

/** A role as the server keeps it: what keyturn changes on it (password verifier, expiry, mark). */
interface RoleState {
  name: string;
  password: string | null;
  until: string | null;
  comment: string | null;
}

async function roleStates(cluster: PgCluster, roles: readonly string[]): Promise<RoleState[]> {
  const [result] = await cluster.sql(
    `SELECT rolname AS name, rolpassword AS password, rolvaliduntil::text AS until, shobj_description(oid, 'pg_authid') AS comment
       FROM pg_authid WHERE rolname IN (${roles.map((r) => pg.escapeLiteral(r)).join(', ')}) ORDER BY rolname`,
  );
  return result!.rows as RoleState[];
}

/** The roles created afresh, as a test creates them, then given what the seed's rotation set on them. */
function recreate(states: readonly RoleState[]): string[] {
  return states.flatMap((role) => {
    const who = pg.escapeIdentifier(role.name);
    return [
      `DROP ROLE IF EXISTS ${who}`,
      `CREATE ROLE ${who} LOGIN IN ROLE app`,
      ...(role.password === null ? [] : [`ALTER ROLE ${who} PASSWORD ${pg.escapeLiteral(role.password)}`]),
      ...(role.until === null ? [] : [`ALTER ROLE ${who} VALID UNTIL ${pg.escapeLiteral(role.until)}`]),
      ...(role.comment === null ? [] : [`COMMENT ON ROLE ${who} IS ${pg.escapeLiteral(role.comment)}`]),
    ];
  });
}

type Kind = 'overlap' | 'alternating' | 'single';

interface Seed {
  ws: PgWorkspace;
  roles: string[];
  /** the roles right after the seed's first rotation */
  states: RoleState[];
}

describe('postgres issuer: SIGKILL at each step, then a rerun', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  const seeds = new Map<Kind, Seed>();
  let opened: PgWorkspace | undefined;

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN.password });
  });
  afterEach(async () => {
    await opened?.cleanup();
    opened = undefined;
  });
  after(async () => {
    for (const seed of seeds.values()) await seed.ws.cleanup();
    await cluster?.stop();
  });

  /** The kind's seed: its roles created, the admin credential stored, the key rotated once through the CLI (made on first use). */
  async function seedOf(kind: Kind): Promise<Seed> {
    const made = seeds.get(kind);
    if (made) return made;
    const roles = kind === 'single' ? ['crash_single_one'] : [`crash_${kind}_blue`, `crash_${kind}_green`];
    await cluster.sql(roles.map((r) => `CREATE ROLE ${r} LOGIN IN ROLE app`));
    const key: PgKeyOptions =
      kind === 'single'
        ? { id: 'pg-key', spec: `{ strategy: single, role: ${roles[0]} }` }
        : { id: 'pg-key', spec: `{ roles: [${roles.join(', ')}] }`, ...(kind === 'overlap' ? { overlap: '1h' } : {}) };
    const seedWs = await PgWorkspace.create(cluster, [key]);
    const first = await seedWs.run(['rotate', 'pg-key', '--yes']);
    if (first.exitCode !== 0) await seedWs.cleanup();
    expect(first.exitCode, first.stderr).to.equal(0);
    const seed = { ws: seedWs, roles, states: await roleStates(cluster, roles) };
    seeds.set(kind, seed);
    return seed;
  }

  /** A case's workspace: a copy of the seed's, its roles exactly as the seed's first rotation left them. */
  async function startFrom(kind: Kind): Promise<{ ws: PgWorkspace; roles: string[] }> {
    const seed = await seedOf(kind);
    await cluster.sql(recreate(seed.states));
    expect(await roleStates(cluster, seed.roles), 'the roles as the first rotation left them').to.deep.equal(seed.states);
    opened = await seed.ws.copy();
    return { ws: opened, roles: seed.roles };
  }

  // with an overlap window the old role stays live after the rerun: then it must hold exactly
  // the password of the key the store keeps for retirement (PREVIOUS), never one keyturn lost
  for (const point of ['create:after', 'promote:after', 'verify:after', 'retire:before', 'record:before', 'unlock:after']) {
    it(`alternating with an overlap: killed at ${point}`, async () => {
      const { ws, roles } = await startFrom('overlap');
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
        const { ws, roles } = await startFrom(strategy);
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
      });
    }
  }
});
