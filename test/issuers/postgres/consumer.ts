/**
 * A consumer for the postgres tests: `restart NAME` logs in with the credential keyturn hands
 * it by environment (DB_USER, DB_PASSWORD, DB_HOST, DB_PORT, DB_NAME), runs `SELECT
 * current_user`, and records who it is now (never the password) in CONSUMER_STATE/NAME.json.
 * Its argv is appended to CONSUMER_STATE/argv.log so tests can prove no secret was in it.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const dir = process.env.CONSUMER_STATE;
const name = process.argv[3] ?? 'consumer';
if (!dir) process.exit(2);
appendFileSync(path.join(dir, 'argv.log'), `${JSON.stringify(process.argv)}\n`);
const client = new pg.Client({
  host: process.env.DB_HOST,
  port: Number(process.env.DB_PORT),
  database: process.env.DB_NAME,
  user: process.env.DB_USER,
  password: process.env.DB_PASSWORD,
});
try {
  await client.connect();
  const who = (await client.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u;
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ user: who, keyId: process.env.KEYTURN_KEY_ID }));
  await client.end();
} catch (error) {
  process.stderr.write(`consumer ${name}: login failed: ${(error as { code?: string }).code ?? 'no code'}\n`);
  process.exit(1);
}
