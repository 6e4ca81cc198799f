/**
 * What the server says about a key's login roles (read through pg_roles, pg_auth_members and
 * pg_shdepend, which need no superuser), what keyturn refuses to rotate, and keyturn's own
 * mark on a role: `COMMENT ON ROLE` naming the key id whose password the role holds now.
 *
 * The mark is what makes revoke and isDead safe with only a key id in hand: a role whose
 * mark names another key id has been given a newer password since, so the old key id is
 * already dead and revoking it must not touch the role. It carries the rotation id (inside
 * the key id), so a create that crashed before its answer reached the store is found by
 * list() and undone. Comments are readable by every role on the server: the mark holds only
 * public things (key ids, a state, a time), never a secret.
 */
import type pg from 'pg';
import type { PostgresSpec } from './options.js';
import type { RuleId } from '../../policy/types.js';

export interface RoleFacts {
  name: string;
  canLogin: boolean;
  superuser: boolean;
  createRole: boolean;
  bypassRls: boolean;
  inherit: boolean;
  /** VALID UNTIL has passed, by the server's clock (what a login is judged by) */
  expired: boolean;
  comment: string | null;
  /** objects (in any database of the cluster) the role owns directly */
  owns: number;
  /** NOLOGIN roles it is a direct member of */
  groups: string[];
}

export interface Mark {
  keyId: string;
  state: 'live' | 'locked';
  at?: string;
  /** the issuer (rotation.yaml name) that set it: list() shows only its own, as roles are cluster-wide */
  issuer?: string;
}

/** `pg:<role>:<rotation id>`: public, and never made of anything secret. */
export function keyIdOf(role: string, rotationId: string): string {
  return `pg:${role}:${rotationId}`;
}

export function parseKeyId(keyId: string): { role: string; rotationId: string } | undefined {
  const m = /^pg:([^:]+):(.+)$/.exec(keyId);
  return m ? { role: m[1]!, rotationId: m[2]! } : undefined;
}

const MARK = /^keyturn keyId=(\S+) state=(live|locked)(?: at=(\S+))?(?: issuer=(\S+))?$/;

export function formatMark(mark: Mark): string {
  const issuer = mark.issuer && /^[\w.-]+$/.test(mark.issuer) ? ` issuer=${mark.issuer}` : '';
  return `keyturn keyId=${mark.keyId} state=${mark.state}${mark.at ? ` at=${mark.at}` : ''}${issuer}`;
}

export function parseMark(comment: string | null): Mark | undefined {
  const m = comment ? MARK.exec(comment) : null;
  if (!m) return undefined;
  return { keyId: m[1]!, state: m[2] as Mark['state'], ...(m[3] ? { at: m[3] } : {}), ...(m[4] ? { issuer: m[4] } : {}) };
}

const ROLE_QUERY = `
SELECT r.rolname AS name, r.rolcanlogin AS "canLogin", r.rolsuper AS superuser, r.rolcreaterole AS "createRole",
       r.rolbypassrls AS "bypassRls", r.rolinherit AS inherit,
       coalesce(r.rolvaliduntil <= now(), false) AS expired,
       shobj_description(r.oid, 'pg_authid') AS comment,
       (SELECT count(*) FROM pg_shdepend d
         WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = r.oid AND d.deptype = 'o')::int
       + (SELECT count(*) FROM pg_database db WHERE db.datdba = r.oid)::int AS owns,
       ARRAY(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
              WHERE m.member = r.oid AND NOT g.rolcanlogin ORDER BY 1) AS groups
  FROM pg_roles r WHERE r.rolname = ANY($1::text[])`;

export async function roleFacts(client: pg.Client, names: readonly string[]): Promise<Map<string, RoleFacts>> {
  const { rows } = await client.query<RoleFacts>(ROLE_QUERY, [names]);
  return new Map(rows.map((row) => [row.name, row]));
}

/** Every role carrying keyturn's mark, live ones only (list(): what keyturn has issued and not retired). */
export async function markedRoles(client: pg.Client): Promise<Array<{ name: string; mark: Mark; expired: boolean }>> {
  const { rows } = await client.query<{ name: string; comment: string; expired: boolean }>(
    `SELECT r.rolname AS name, shobj_description(r.oid, 'pg_authid') AS comment, coalesce(r.rolvaliduntil <= now(), false) AS expired
       FROM pg_roles r WHERE shobj_description(r.oid, 'pg_authid') LIKE 'keyturn keyId=%'`,
  );
  return rows.flatMap((row) => {
    const mark = parseMark(row.comment);
    return mark ? [{ name: row.name, mark, expired: row.expired }] : [];
  });
}

/** A problem keyturn refuses to rotate past, with the audit rule id that reports it. */
export interface Refusal {
  rule: RuleId;
  message: string;
}

/** What is wrong with the key's roles on the server (empty: keyturn may rotate it). */
export function refusals(spec: PostgresSpec, facts: Map<string, RoleFacts>): Refusal[] {
  const out: Refusal[] = [];
  const names = spec.strategy === 'alternating' ? spec.roles : [spec.role];
  for (const name of names) {
    const role = facts.get(name);
    if (!role) {
      const rule = spec.strategy === 'alternating' ? 'pg-partner-missing' : 'pg-role-missing';
      out.push({ rule, message: `role ${name} does not exist (create it with the setup SQL of docs/postgres.md)` });
      continue;
    }
    if (!role.canLogin) out.push({ rule: 'pg-role-nologin', message: `role ${name} cannot log in (NOLOGIN): it is not a login role` });
    if (role.superuser)
      out.push({
        rule: 'pg-role-superuser',
        message: `role ${name} is a superuser: keyturn never rotates an application password onto a superuser`,
      });
    if (role.createRole)
      out.push({ rule: 'pg-role-createrole', message: `role ${name} has CREATEROLE: an application role must not manage roles` });
    if (role.bypassRls)
      out.push({ rule: 'pg-role-bypassrls', message: `role ${name} has BYPASSRLS: row-level security would not apply to the application` });
    if (spec.strategy === 'alternating' && role.owns > 0) {
      out.push({
        rule: 'pg-role-owns-objects',
        message:
          `role ${name} owns ${role.owns} object(s) directly: in alternating mode the group role must own them, ` +
          'or the other login role cannot use them',
      });
    }
    if (spec.strategy === 'alternating' && !role.inherit) {
      out.push({
        rule: 'pg-role-noinherit',
        message: `role ${name} is NOINHERIT: it would not get its group role's privileges without SET ROLE`,
      });
    }
  }
  if (spec.strategy === 'alternating') {
    const [a, b] = spec.roles.map((n) => facts.get(n));
    if (a && b) {
      const shared = a.groups.filter((g) => b.groups.includes(g));
      if (spec.group ? !shared.includes(spec.group) : shared.length === 0) {
        const which = spec.group ? `group role ${spec.group}` : 'a NOLOGIN group role';
        out.push({
          rule: 'pg-no-shared-group',
          message: `roles ${a.name} and ${b.name} are not both members of ${which}: they would not see the same grants`,
        });
      }
    }
  }
  return out;
}
