/**
 * `postgres`: database passwords, set with an administrative credential read from a store.
 *
 * alternating (default): two login roles in one NOLOGIN group role. create sets a fresh
 *   password on the role the store's CURRENT does not name, checks it logs in, and marks the
 *   role with the new key id; the other role keeps working through the overlap window; revoke
 *   locks a role (an unknown password, VALID UNTIL in the past), only while the role's mark
 *   still names that key id.
 * single: one role, ALTER ROLE in place: new connections with the old password fail from
 *   create on, open ones stay. Revoking the new key of a failed rotation puts the old
 *   password (the store's CURRENT again) back on the role; revoking an old key the role no
 *   longer holds does nothing.
 *
 * The password never reaches the server in SQL text: keyturn sends a SCRAM-SHA-256 verifier.
 * Key ids are `pg:<role>:<rotation id>`.
 */
import { settingsOf } from '../../adapters/settings.js';
import type { IssuerConfig } from '../../config/types.js';
import type { RunContext } from '../../context.js';
import { errors, messageOf } from '../../errors.js';
import { refOf } from '../../model.js';
import type { StoredVersion } from '../../stores/types.js';
import { parseAlphabet, randomString, type Alphabet } from '../alphabet.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget, KeyInfo, StoredKey } from '../types.js';
import { auditRoles } from './audit.js';
import { connector, INVALID_PASSWORD, materialFor, type Connector } from './connection.js';
import { parsePostgresSpec, postgresKind, rolesOf, type PostgresOptions, type PostgresSpec } from './options.js';
import { keyIdOf, markedRoles, parseKeyId, parseMark, refusals, roleFacts } from './roles.js';
import { scramVerifier } from './scram.js';
import { inTransaction, lockStatements, setPasswordStatements, TERMINATE_SESSIONS } from './statements.js';

const BASE62 = parseAlphabet('base62') as Alphabet;

/**
 * Which role is in use and which one a rotation sets. The store's CURRENT names the role in
 * use; with none (the first rotation) the first role listed is taken to be the one the
 * application uses today, and the second is set.
 */
export function activeAndNext(spec: PostgresSpec, currentKeyId: string | undefined): { active?: string; next: string } {
  if (spec.strategy === 'single') return { active: spec.role, next: spec.role };
  const named = currentKeyId ? parseKeyId(currentKeyId)?.role : undefined;
  const active = named && spec.roles.includes(named) ? named : spec.roles[0];
  return { active, next: active === spec.roles[0] ? spec.roles[1] : spec.roles[0] };
}

export function createPostgresIssuer(config: IssuerConfig): Issuer {
  const options: PostgresOptions = settingsOf(postgresKind, config, 'issuer');
  const name = config.name;
  const connectors = new WeakMap<RunContext, Connector>();
  const db = (ctx: RunContext): Connector => {
    let c = connectors.get(ctx);
    if (!c) connectors.set(ctx, (c = connector(name, options, ctx)));
    return c;
  };

  /** The key's CURRENT and PREVIOUS versions in its store (CURRENT first, when there is one). */
  const storeVersions = async (target: IssueTarget, ctx: RunContext): Promise<{ current?: StoredVersion; all: StoredVersion[] }> => {
    if (!ctx.store) return { all: [] };
    const store = await ctx.store(target.key.store);
    const ref = refOf(target.key);
    const [current, previous] = await Promise.all([store.current(ref), store.previous(ref)]);
    const all = [current, previous].filter((v): v is StoredVersion => v !== undefined);
    for (const v of all) ctx.redactor.addMaterial(v.material);
    return { current, all };
  };

  const currentVersion = async (target: IssueTarget, ctx: RunContext) => (await storeVersions(target, ctx)).current;

  const checkRoles = async (spec: PostgresSpec, keyName: string, ctx: RunContext) => {
    const facts = await db(ctx).with(undefined, (c) => roleFacts(c, rolesOf(spec)), `reading the roles of ${keyName}`);
    const found = refusals(spec, facts);
    if (found.length) {
      const more = found.length > 1 ? ` (and ${found.length - 1} more problem(s): run keyturn audit)` : '';
      throw errors.issuer(
        `key ${keyName}: keyturn refuses to rotate it: ${found[0]!.message}${more}`,
        'see docs/postgres.md and docs/rules.md',
      );
    }
    return facts;
  };

  const newPassword = (ctx: RunContext) => {
    const password = randomString(BASE62, options.passwordLength);
    ctx.redactor.add(password);
    const verifier = scramVerifier(password, options.scramIterations);
    ctx.redactor.add(verifier);
    return { password, verifier };
  };

  /** Give `role` a password nobody keeps and an expired VALID UNTIL; end its sessions if asked. */
  const lock = async (role: string, keyId: string, spec: PostgresSpec, ctx: RunContext) => {
    const { verifier } = newPassword(ctx);
    const mark = { keyId, state: 'locked' as const, at: ctx.clock.now().toISOString(), issuer: name };
    const ended = await db(ctx).with(
      undefined,
      async (c) => {
        await inTransaction(c, lockStatements(role, verifier, mark));
        if (!spec.terminateSessions) return 0;
        return (await c.query<{ n: number }>(TERMINATE_SESSIONS, [role])).rows[0]?.n ?? 0;
      },
      `locking role ${role}`,
    );
    ctx.logger.info(`issuer ${name}: locked role ${role} (${keyId})${spec.terminateSessions ? `, ended ${ended} session(s)` : ''}`);
  };

  const verifyKey = async (issued: IssuedKey, target: IssueTarget, spec: PostgresSpec, ctx: RunContext): Promise<void> => {
    const { username, password } = issued.material;
    const role = parseKeyId(issued.keyId)?.role;
    if (!username || !password || role !== username) {
      throw errors.verify(`key ${target.key.id} (${issued.keyId}): its material does not name role ${role ?? '?'}`);
    }
    const refused = await db(ctx).tryLogin({ user: username, password });
    if (refused) throw errors.verify(`key ${target.key.id} (${issued.keyId}): login as ${username} refused (SQLSTATE ${refused})`);
    await db(ctx).with(
      { user: username, password },
      async (c) => {
        const who = (await c.query<{ u: string }>('SELECT current_user AS u, 1 AS one')).rows[0]?.u;
        if (who !== username) throw errors.verify(`key ${target.key.id}: logged in as ${who ?? '?'}, not ${username}`);
        if (!spec.verifyQuery) return;
        const { rows, fields } = await c.query(spec.verifyQuery);
        const value = rows[0] && fields[0] ? (rows[0] as Record<string, unknown>)[fields[0].name] : undefined;
        if (value !== true) {
          throw errors.verify(
            `key ${target.key.id} (${issued.keyId}): verifyQuery returned ${JSON.stringify(value ?? null)} as ${username}, not true`,
          );
        }
      },
      `verifying ${issued.keyId}`,
    );
  };

  const restore = async (role: string, back: StoredVersion, ctx: RunContext) => {
    const verifier = scramVerifier(back.material.password!, options.scramIterations);
    ctx.redactor.add(verifier);
    const mark = { keyId: back.keyId, state: 'live' as const, at: ctx.clock.now().toISOString(), issuer: name };
    await db(ctx).with(undefined, (c) => inTransaction(c, setPasswordStatements(role, verifier, mark)), `restoring role ${role}`);
  };

  /**
   * single: a new password that failed its verify is replaced by the old one (the store's
   * PREVIOUS) before the engine's rollback restarts consumers on the old key, which would
   * otherwise be refused: the role has one password.
   */
  const putOldBack = async (issued: IssuedKey, target: IssueTarget, ctx: RunContext) => {
    const role = parseKeyId(issued.keyId)?.role;
    const old = (await storeVersions(target, ctx)).all.find((v) => v.keyId !== issued.keyId && parseKeyId(v.keyId)?.role === role);
    if (!role || !old?.material.password) return;
    await restore(role, old, ctx);
    ctx.logger.warn(`issuer ${name}: ${issued.keyId} failed its verify: role ${role} has the password of ${old.keyId} again`);
  };

  return {
    type: 'postgres',
    createsRemotely: true,

    describe({ key }: IssueTarget, currentKeyId?: string): string {
      const spec = parsePostgresSpec(key);
      const where = `${options.host}:${options.port}/${options.database}`;
      if (spec.strategy === 'single') {
        return `set a fresh password (SCRAM verifier) on role ${spec.role} at ${where}: new logins with the old password fail from then on`;
      }
      const { active, next } = activeAndNext(spec, currentKeyId);
      const inUse = currentKeyId ? `${active} is active` : `no key in the store yet: ${active} is taken to be in use`;
      return `set a fresh password (SCRAM verifier) on role ${next} at ${where} (${inUse}; it keeps working until retire)`;
    },

    async create(target: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const { key } = target;
      const spec = parsePostgresSpec(key);
      await checkRoles(spec, key.id, ctx);
      const current = await currentVersion(target, ctx);
      const { active, next: role } = activeAndNext(spec, current?.keyId);
      const { password, verifier } = newPassword(ctx);
      const keyId = keyIdOf(role, ctx.rotationId);
      const mark = { keyId, state: 'live' as const, at: ctx.clock.now().toISOString(), issuer: name };
      await db(ctx).with(
        undefined,
        (c) => inTransaction(c, setPasswordStatements(role, verifier, mark)),
        `setting the password of role ${role}`,
      );
      // the new password must log in before anything stages it (pg_hba, VALID UNTIL, CONNECT privilege)
      const refused = await db(ctx).tryLogin({ user: role, password });
      if (refused) {
        throw errors.issuer(
          `key ${key.id}: role ${role} cannot log in with its new password (SQLSTATE ${refused})`,
          'check pg_hba.conf (scram-sha-256 for this role and database) and the role’s CONNECT privilege',
        );
      }
      ctx.logger.info(
        `issuer ${name}: set a new password on role ${role} (${keyId})` +
          (spec.strategy === 'alternating' ? `; ${active} stays active until retire` : ''),
      );
      return { keyId, material: materialFor(options, role, password), meta: { role, strategy: spec.strategy } };
    },

    async verify(issued: IssuedKey, target: IssueTarget, ctx: IssuerContext): Promise<void> {
      const spec = parsePostgresSpec(target.key);
      try {
        await verifyKey(issued, target, spec, ctx);
      } catch (failure) {
        if (spec.strategy === 'single') {
          await putOldBack(issued, target, ctx).catch((error: unknown) =>
            ctx.logger.warn(`issuer ${name}: could not put the old password back: ${ctx.redactor.redact(messageOf(error))}`),
          );
        }
        throw failure;
      }
    },

    async revoke(keyId: string, target: IssueTarget, ctx: IssuerContext): Promise<void> {
      const parsed = parseKeyId(keyId);
      if (!parsed) {
        ctx.logger.warn(`issuer ${name}: ${keyId} is not a key id keyturn gave: nothing to revoke`);
        return;
      }
      const spec = parsePostgresSpec(target.key);
      const { role } = parsed;
      const facts = (await db(ctx).with(undefined, (c) => roleFacts(c, [role]), `reading role ${role}`)).get(role);
      const mark = parseMark(facts?.comment ?? null);
      if (!facts || !mark || mark.keyId !== keyId) {
        ctx.logger.info(`issuer ${name}: role ${role} no longer holds the password of ${keyId}: nothing to revoke`);
        return;
      }
      if (mark.state === 'locked') {
        ctx.logger.info(`issuer ${name}: role ${role} is already locked (${keyId})`);
        return;
      }
      const current = await currentVersion(target, ctx);
      const back = current && current.keyId !== keyId && parseKeyId(current.keyId)?.role === role ? current : undefined;
      if (back?.material.password) {
        // single: the role's password is the store's CURRENT again (a rollback, or an orphan undone)
        await restore(role, back, ctx);
        ctx.logger.info(`issuer ${name}: role ${role} has the password of ${back.keyId} again (${keyId} revoked)`);
        return;
      }
      await lock(role, keyId, spec, ctx);
    },

    async isDead(keyId: string, target: IssueTarget, ctx: IssuerContext): Promise<boolean> {
      const parsed = parseKeyId(keyId);
      if (!parsed) return true;
      const stored = (await storeVersions(target, ctx)).all.find((v) => v.keyId === keyId);
      if (stored?.material.password) {
        // the proof that counts: a login with the old password is refused
        const refused = await db(ctx).tryLogin({ user: parsed.role, password: stored.material.password });
        if (refused === undefined) return false;
        if (refused === INVALID_PASSWORD) return true;
        throw errors.issuer(`issuer ${name}: could not tell whether ${keyId} is dead: the login failed with SQLSTATE ${refused}`);
      }
      const facts = (await db(ctx).with(undefined, (c) => roleFacts(c, [parsed.role]), `reading role ${parsed.role}`)).get(parsed.role);
      const mark = parseMark(facts?.comment ?? null);
      return !facts || !mark || mark.keyId !== keyId || mark.state === 'locked' || facts.expired;
    },

    async list(_target: IssueTarget, ctx: RunContext): Promise<KeyInfo[]> {
      const marked = await db(ctx).with(undefined, (c) => markedRoles(c), 'listing the roles keyturn marked');
      return marked
        .filter((r) => r.mark.state === 'live' && !r.expired && (r.mark.issuer === undefined || r.mark.issuer === name))
        .map((r) => ({ keyId: r.mark.keyId, name: r.mark.keyId, ...(r.mark.at ? { createdAt: r.mark.at } : {}) }));
    },

    async audit(current: StoredKey, target: IssueTarget, ctx: RunContext) {
      return auditRoles(current, target, { issuer: name, connector: db(ctx), ctx });
    },
  };
}

export const factory: IssuerFactory = { type: 'postgres', create: createPostgresIssuer };
