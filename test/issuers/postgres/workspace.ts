/**
 * A keyturn project in a temp folder whose keys are PostgreSQL login roles of a throwaway
 * cluster: rotation.yaml with the file store and the postgres issuer, the admin credential
 * put in the store, a consumer that logs in with what it is handed, and read access to the
 * store and the server to check the end state through their own surfaces.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { openStore } from '../../../src/stores/registry.js';
import type { SecretStore, StoredVersion } from '../../../src/stores/types.js';
import type { StoreRef } from '../../../src/model.js';
import type { PgCluster } from '../../support/postgres-cluster.js';

export const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');
const CONSUMER = path.join(process.cwd(), 'dist/test/issuers/postgres/consumer.js');

export const ADMIN = { username: 'keyturn_admin', password: `adm-${randomBytes(12).toString('hex')}` };

export interface PgKeyOptions {
  id: string;
  spec: string;
  overlap?: string;
  holders?: string;
  consumer?: boolean;
  /** the consumer's restart command (YAML flow list), instead of the test consumer */
  restart?: string;
}

export interface CliResult {
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export class PgWorkspace {
  readonly env: Record<string, string>;
  private constructor(
    readonly dir: string,
    readonly cluster: PgCluster,
  ) {
    this.env = {
      KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'),
      CONSUMER_STATE: path.join(dir, 'consumers'),
      KEYTURN_ACTOR: 'test-operator',
    };
  }

  static async create(cluster: PgCluster, keys: PgKeyOptions[], options: { putAdmin?: boolean } = {}): Promise<PgWorkspace> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-pgws-'));
    const ws = new PgWorkspace(dir, cluster);
    await mkdir(ws.env.CONSUMER_STATE!, { recursive: true });
    await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml(cluster, keys));
    if (options.putAdmin !== false) await ws.putAdmin();
    return ws;
  }

  /**
   * A new workspace in a folder of its own holding a copy of this one's (store, consumers,
   * rotation.yaml), with this one's master key: it starts where this one is, and shares nothing
   * with it. The server's roles are not copied: the caller puts them where they were.
   */
  async copy(): Promise<PgWorkspace> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-pgws-'));
    await cp(this.dir, dir, { recursive: true, preserveTimestamps: true });
    const ws = new PgWorkspace(dir, this.cluster);
    ws.env.KEYTURN_MASTER_KEY = this.env.KEYTURN_MASTER_KEY!;
    return ws;
  }

  /** The admin credential into the store, through `keyturn store put` (JSON on stdin). */
  async putAdmin(): Promise<void> {
    const put = await this.run(['store', 'put', 'local', 'admin/postgres'], {}, JSON.stringify(ADMIN));
    if (put.exitCode !== 0) throw new Error(`store put failed: ${put.stderr}`);
  }

  run(args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
    return execa('node', [CLI, ...args], {
      cwd: this.dir,
      env: { ...this.env, ...env },
      reject: false,
      ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
    }).then((r) => ({
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
      signal: r.signal ?? undefined,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
    }));
  }

  async store(): Promise<SecretStore> {
    return openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: this.dir, env: this.env });
  }

  ref(key: string): StoreRef {
    return { store: 'local', path: `db/${key}`, key };
  }

  async versions(key: string): Promise<{ current?: StoredVersion; previous?: StoredVersion; pending?: StoredVersion }> {
    const store = await this.store();
    const ref = this.ref(key);
    const [current, previous, pending] = await Promise.all([store.current(ref), store.previous(ref), store.pending(ref)]);
    return { current, previous, pending };
  }

  /** undefined when the login works, else its SQLSTATE. */
  async login(user: string, password: string): Promise<string | undefined> {
    const client = new pg.Client({ host: this.cluster.host, port: this.cluster.port, database: 'appdb', user, password });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code ?? 'no-code';
    }
  }

  /** The role's mark and expiry as the server shows them. */
  async role(name: string): Promise<{ comment: string | null; expired: boolean }> {
    const [result] = await this.cluster.sql(
      `SELECT shobj_description(oid, 'pg_authid') AS comment, coalesce(rolvaliduntil < now(), false) AS expired FROM pg_roles WHERE rolname = ${pg.escapeLiteral(name)}`,
    );
    return result!.rows[0] as { comment: string | null; expired: boolean };
  }

  consumer(name: string): { user: string; keyId: string } | undefined {
    const file = path.join(this.env.CONSUMER_STATE!, `${name}.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  }

  consumerArgv(): string {
    const file = path.join(this.env.CONSUMER_STATE!, 'argv.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

function rotationYaml(cluster: PgCluster, keys: PgKeyOptions[]): string {
  const entries = keys.map(
    (k) => `  - id: ${k.id}
    purpose: ${k.id} database login
    issuer: db
    path: db/${k.id}
    period: 30d
    overlap: ${k.overlap ?? '0s'}
    holders: [${k.holders ?? 'bob'}]
    spec: ${k.spec}
${
  k.consumer === false
    ? ''
    : `    consumers:
      - name: ${k.id}-app
        restart: { command: ${k.restart ?? `[node, ${JSON.stringify(CONSUMER)}, restart, ${k.id}-app]`} }
        env: { DB_USER: username, DB_PASSWORD: password, DB_HOST: host, DB_PORT: port, DB_NAME: database }
`
}`,
  );
  return `version: 1
defaults:
  store: local
  leaseTtl: 2m
stores:
  local: { type: file, path: store.enc }
issuers:
  db:
    type: postgres
    host: ${cluster.host}
    port: ${cluster.port}
    database: appdb
    sslmode: disable
    admin: { store: local, path: admin/postgres }
people:
  bob: { name: Bob }
  carol: { name: Carol }
keys:
${entries.join('')}`;
}
