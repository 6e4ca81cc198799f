/**
 * SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677) computed by keyturn itself, in the form
 * PostgreSQL stores in pg_authid.rolpassword:
 *
 *   SCRAM-SHA-256$<iterations>:<base64 salt>$<base64 StoredKey>:<base64 ServerKey>
 *
 * `ALTER ROLE … PASSWORD '<verifier>'` stores it as is (the server recognises the form), so
 * the password itself never reaches the server's SQL text, its log (log_statement = all),
 * pg_stat_statements or pg_stat_activity. keyturn only generates ASCII letters and digits,
 * for which SASLprep (RFC 4013) changes nothing; other passwords are refused here rather than
 * normalised differently from the server.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's own salt length (SCRAM_DEFAULT_SALT_LEN). */
export const SALT_BYTES = 16;
export const DEFAULT_ITERATIONS = 4096;

export interface ScramParts {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

export function scramParts(password: string, iterations: number = DEFAULT_ITERATIONS, salt: Buffer = randomBytes(SALT_BYTES)): ScramParts {
  if (!/^[\x21-\x7e]+$/.test(password)) {
    // SASLprep would be needed; keyturn's own passwords never need it
    throw new Error('a SCRAM verifier is only computed here for printable ASCII passwords');
  }
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error('SCRAM iterations must be a positive whole number');
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = hmac(salted, 'Server Key');
  return { iterations, salt, storedKey, serverKey };
}

export function formatVerifier(parts: ScramParts): string {
  const b64 = (b: Buffer) => b.toString('base64');
  return `SCRAM-SHA-256$${parts.iterations}:${b64(parts.salt)}$${b64(parts.storedKey)}:${b64(parts.serverKey)}`;
}

/** A fresh verifier (fresh salt) for the password. */
export function scramVerifier(password: string, iterations: number = DEFAULT_ITERATIONS, salt?: Buffer): string {
  return formatVerifier(scramParts(password, iterations, salt));
}

const VERIFIER = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/;

/** Whether `password` matches `verifier` (tests; and a check that a verifier is well formed). */
export function verifierMatches(verifier: string, password: string): boolean {
  const m = VERIFIER.exec(verifier);
  if (!m) return false;
  const parts = scramParts(password, Number(m[1]), Buffer.from(m[2]!, 'base64'));
  return parts.storedKey.toString('base64') === m[3] && parts.serverKey.toString('base64') === m[4];
}
