/**
 * The postgres issuer's live audit of a key (keyturn audit): what keyturn refuses to rotate
 * (roles.ts: superuser, CREATEROLE, BYPASSRLS, objects owned directly, a partner role missing
 * or in another group), a login role holding a password keyturn did not set, and whether the
 * store's CURRENT still logs in. Rule ids are in docs/rules.md ("PostgreSQL roles"). A failed
 * read is a finding, not a throw: the audit goes on with the other keys.
 */
import type { RunContext } from '../../context.js';
import { messageOf } from '../../errors.js';
import { whereOf } from '../../policy/finding.js';
import type { Finding, RuleId, Severity } from '../../policy/types.js';
import type { IssueTarget, StoredKey } from '../types.js';
import type { Connector } from './connection.js';
import { parsePostgresSpec } from './options.js';
import { parseKeyId, parseMark, refusals, roleFacts } from './roles.js';

export async function auditRoles(
  current: StoredKey,
  { key }: IssueTarget,
  at: { issuer: string; connector: Connector; ctx: RunContext },
): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (rule: RuleId, severity: Severity, message: string) =>
    out.push({ rule, severity, key: key.id, message, where: whereOf(key) });
  const spec = parsePostgresSpec(key);
  const names = spec.strategy === 'alternating' ? spec.roles : [spec.role];
  try {
    const facts = await at.connector.with(undefined, (c) => roleFacts(c, names), `auditing the roles of ${key.id}`);
    for (const r of refusals(spec, facts)) add(r.rule, 'error', r.message);
    for (const role of facts.values()) {
      if (!role.canLogin || role.expired || parseMark(role.comment)) continue;
      add(
        'pg-unmanaged-password',
        'warn',
        `role ${role.name} can log in with a password keyturn did not set: rotate (alternating: twice) or lock it`,
      );
    }
    const user = current.material.username;
    const password = current.material.password;
    if (user && password && parseKeyId(current.keyId)?.role === user) {
      const refused = await at.connector.tryLogin({ user, password });
      if (refused)
        add('pg-current-login-fails', 'error', `the store's CURRENT key ${current.keyId} cannot log in as ${user} (SQLSTATE ${refused})`);
    }
  } catch (error) {
    add('pg-unreachable', 'error', `issuer ${at.issuer}: could not audit ${key.id}: ${at.ctx.redactor.redact(messageOf(error))}`);
  }
  return out;
}
