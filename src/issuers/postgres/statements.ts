/**
 * The only statements keyturn sends that change a role. The password is never among their
 * text: a role gets a SCRAM verifier (scram.ts), and its mark (roles.ts) in the same
 * transaction, so a crash leaves either both or neither. Identifiers and literals are escaped
 * with node-postgres's own escapers (ALTER ROLE takes no bind parameters).
 */
import pg from 'pg';
import { formatMark, type Mark } from './roles.js';

/** Far enough in the past for every clock; the role's password is expired from then on. */
export const LOCKED_UNTIL = '1970-01-01 00:00:00+00';

export function setPasswordStatements(role: string, verifier: string, mark: Mark): string[] {
  const who = pg.escapeIdentifier(role);
  return [
    `ALTER ROLE ${who} PASSWORD ${pg.escapeLiteral(verifier)} VALID UNTIL 'infinity'`,
    `COMMENT ON ROLE ${who} IS ${pg.escapeLiteral(formatMark(mark))}`,
  ];
}

/** A verifier of a password nobody keeps, expired: no login as this role works any more. */
export function lockStatements(role: string, unknownVerifier: string, mark: Mark): string[] {
  const who = pg.escapeIdentifier(role);
  return [
    `ALTER ROLE ${who} PASSWORD ${pg.escapeLiteral(unknownVerifier)} VALID UNTIL ${pg.escapeLiteral(LOCKED_UNTIL)}`,
    `COMMENT ON ROLE ${who} IS ${pg.escapeLiteral(formatMark(mark))}`,
  ];
}

export async function inTransaction(client: pg.Client, statements: readonly string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

export const TERMINATE_SESSIONS =
  'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()';
