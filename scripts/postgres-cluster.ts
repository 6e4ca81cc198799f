/**
 * A throwaway PostgreSQL cluster for tests, the benchmark and the consumer demo: initdb in a
 * temp folder, pg_ctl on a free loopback port, SCRAM for every TCP login, every statement
 * logged (log_statement = all: the proof that no password reaches the server's SQL text).
 * The superuser logs in over the cluster's own unix socket (trust, inside the temp folder);
 * everything keyturn does goes over TCP with a password.
 *
 * initdb refuses root: as root the cluster runs as the `postgres` system user (the Debian
 * package creates it), through runuser. The bin dir is found by glob (PostgreSQL 15
 * preferred) or KEYTURN_PG_BIN.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { scramVerifier } from '../src/issuers/postgres/scram.js';
import { freePort } from './free-port.js';

export const SUPERUSER = 'keyturn_super';

/** The PostgreSQL bin dir: KEYTURN_PG_BIN, else /usr/lib/postgresql/<version>/bin (15 first, then the newest). */
export function findPgBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.KEYTURN_PG_BIN && existsSync(path.join(env.KEYTURN_PG_BIN, 'initdb'))) return env.KEYTURN_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const chosen = versions.includes('15') ? '15' : versions[0];
  return chosen ? path.join(root, chosen, 'bin') : undefined;
}

/** Who the cluster runs as: ourselves, or (as root) the postgres system user. */
function runAs(): { uid: number; gid: number; user: string; prefix: string[] } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid, user: 'postgres', prefix: ['runuser', '-u', 'postgres', '--'] };
}

/**
 * PostgreSQL 16 and later: a CREATEROLE role may alter only roles it holds ADMIN OPTION on.
 * After every statement batch the test admin role (keyturn_admin, when it exists) gets it on
 * each ordinary role, exactly what docs/postgres.md tells an operator to grant; on 15 and
 * earlier CREATEROLE is enough and nothing is granted.
 */
const GRANT_ADMIN_OPTION = `DO $$
DECLARE r record;
BEGIN
  IF current_setting('server_version_num')::int < 160000 OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'keyturn_admin') THEN
    RETURN;
  END IF;
  FOR r IN SELECT g.rolname FROM pg_roles g
            WHERE g.rolname !~ '^pg_' AND g.rolname NOT IN ('keyturn_admin', current_user) AND NOT g.rolsuper
              AND NOT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles a ON a.oid = m.member
                               WHERE m.roleid = g.oid AND a.rolname = 'keyturn_admin' AND m.admin_option)
  LOOP
    EXECUTE format('GRANT %I TO keyturn_admin WITH ADMIN TRUE, INHERIT FALSE, SET FALSE', r.rolname);
  END LOOP;
END $$`;

export interface PgCluster {
  host: string;
  port: number;
  dir: string;
  socketDir: string;
  logFile: string;
  /** a connection as the superuser (over the unix socket); close it with end() */
  superuser(database?: string): Promise<pg.Client>;
  /** run statements as the superuser, in order */
  sql(statements: string | readonly string[], database?: string): Promise<pg.QueryResult[]>;
  /** the CA that signed the server's certificate (tls only) */
  caFile?: string;
  /** the server's log so far */
  log(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** extra postgresql.conf settings */
  settings?: Record<string, string>;
  /**
   * serve TLS with a certificate for 127.0.0.1 signed by a throwaway CA (PgCluster.caFile), and
   * listen on 127.0.0.2 too: an address the certificate does not name
   */
  tls?: boolean;
}

/** A throwaway CA and a server certificate for 127.0.0.1 only, made with the openssl CLI. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => path.join(dir, name);
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=keyturn test CA',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.crt'),
  ]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  openssl([
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.crt'),
  ]);
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

export async function startCluster(options: ClusterOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install -y postgresql');
  const owner = runAs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  await writeFile(logFile, '');
  if (owner) {
    await chown(dir, owner.uid, owner.gid);
    await chown(logFile, owner.uid, owner.gid);
  }
  const run = (program: string, args: string[]) => {
    const argv = [...(owner?.prefix ?? []), path.join(bin, program), ...args];
    const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  run('initdb', ['-D', data, '-U', SUPERUSER, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--no-sync', '--locale=C']);
  const port = await freePort();
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${dir}'`,
    password_encryption: "'scram-sha-256'",
    log_statement: "'all'",
    log_connections: 'on',
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    ...options.settings,
  };
  let caFile: string | undefined;
  if (options.tls) {
    const made = makeCertificates(dir);
    caFile = made.ca;
    if (owner) {
      for (const file of [made.cert, made.key]) await chown(file, owner.uid, owner.gid);
    }
    await chmod(made.key, 0o600);
    Object.assign(settings, {
      ssl: 'on',
      ssl_cert_file: `'${made.cert}'`,
      ssl_key_file: `'${made.key}'`,
      listen_addresses: "'127.0.0.1,127.0.0.2'",
    });
    await writeFile(path.join(data, 'pg_hba.conf'), 'host all all 127.0.0.0/8 scram-sha-256\nlocal all all trust\n');
  }
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  await writeFile(path.join(data, 'postgresql.auto.conf'), `${conf.join('\n')}\n`);
  if (owner) await chown(path.join(data, 'postgresql.auto.conf'), owner.uid, owner.gid);
  run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '60', 'start']);
  let stopped = false;
  const superuser = async (database = 'postgres') => {
    const client = new pg.Client({ host: dir, port, user: SUPERUSER, database });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  return {
    host: '127.0.0.1',
    port,
    dir,
    socketDir: dir,
    logFile,
    ...(caFile ? { caFile } : {}),
    superuser,
    async sql(statements, database) {
      const client = await superuser(database);
      try {
        const out: pg.QueryResult[] = [];
        for (const s of typeof statements === 'string' ? [statements] : statements) out.push(await client.query(s));
        await client.query(GRANT_ADMIN_OPTION);
        return out;
      } finally {
        await client.end();
      }
    },
    log: () => readFileSync(logFile, 'utf8'),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The roles of docs/postgres.md's setup: a NOLOGIN group role owning the objects, two login
 * roles in it (alternating), one more login role (single), and the administrative role with
 * CREATEROLE (PostgreSQL 15; 16 also needs ADMIN OPTION on each role) and pg_signal_backend.
 */
export async function setUpRoles(
  cluster: PgCluster,
  names: { group?: string; blue?: string; green?: string; single?: string; admin?: string; adminPassword: string; database?: string },
): Promise<void> {
  const n = {
    group: 'app',
    blue: 'app_blue',
    green: 'app_green',
    single: 'app_single',
    admin: 'keyturn_admin',
    database: 'appdb',
    ...names,
  };
  await cluster.sql([`CREATE DATABASE ${n.database}`]);
  // a verifier, not the password: the server's log (log_statement = all) must hold no password at all
  const adminLiteral = pg.escapeLiteral(scramVerifier(n.adminPassword));
  await cluster.sql(
    [
      `CREATE ROLE ${n.admin} LOGIN CREATEROLE PASSWORD ${adminLiteral}`,
      `GRANT pg_signal_backend TO ${n.admin}`,
      `CREATE ROLE ${n.group} NOLOGIN`,
      `CREATE ROLE ${n.blue} LOGIN INHERIT IN ROLE ${n.group}`,
      `CREATE ROLE ${n.green} LOGIN INHERIT IN ROLE ${n.group}`,
      `CREATE ROLE ${n.single} LOGIN INHERIT IN ROLE ${n.group}`,
      `GRANT CONNECT ON DATABASE ${n.database} TO ${n.group}`,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${n.group}`,
      `SET ROLE ${n.group}`,
      `CREATE TABLE orders (id serial PRIMARY KEY, note text)`,
      `INSERT INTO orders (note) VALUES ('first')`,
      `RESET ROLE`,
    ],
    n.database,
  );
}
