/**
 * A fleet under test: a throwaway PostgreSQL cluster holding the queue (scripts/postgres-cluster.ts),
 * and a keyturn project in a temp folder whose keys come from a small `command` issuer (a shell
 * script) that keeps its own records: every create in creates.log, every live key as a file
 * under keys/ (revoke removes it). Workers are real processes of the built CLI.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { startCluster, type PgCluster } from '../support/postgres-cluster.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { CLI } from '../support/workspace.js';
import type { HistoryEntry } from '../../src/model.js';

const ISSUER = `#!/bin/sh
set -e
case "$1" in
create)
  if [ -f "$ISSUER_DIR/slow-$KEYTURN_KEY" ]; then sleep "$(cat "$ISSUER_DIR/slow-$KEYTURN_KEY")"; fi
  if [ -n "$ISSUER_DELAY" ]; then sleep "$ISSUER_DELAY"; fi
  id="k_$(od -An -N8 -tx1 /dev/urandom | tr -d ' \\n')"
  secret="$(od -An -N24 -tx1 /dev/urandom | tr -d ' \\n')"
  printf 'keyturn-%s\\n' "$KEYTURN_ROTATION_ID" > "$ISSUER_DIR/keys/$id"
  printf '%s %s %s\\n' "$KEYTURN_KEY" "$id" "$KEYTURN_ROTATION_ID" >> "$ISSUER_DIR/creates.log"
  printf '{"keyId":"%s","material":{"value":"%s"}}' "$id" "$secret"
  ;;
revoke)
  rm -f "$ISSUER_DIR/keys/$KEYTURN_KEY_ID"
  printf '%s %s\\n' "$KEYTURN_KEY" "$KEYTURN_KEY_ID" >> "$ISSUER_DIR/revokes.log"
  ;;
verify)
  test -f "$ISSUER_DIR/keys/$KEYTURN_KEY_ID"
  ;;
is-dead)
  test ! -f "$ISSUER_DIR/keys/$KEYTURN_KEY_ID"
  ;;
list)
  printf '['
  sep=''
  for f in "$ISSUER_DIR"/keys/*; do
    [ -f "$f" ] || continue
    printf '%s{"keyId":"%s","name":"%s"}' "$sep" "$(basename "$f")" "$(cat "$f")"
    sep=','
  done
  printf ']'
  ;;
esac
`;

export interface FleetKeys {
  /** keys without a zone */
  plain: number;
  /** keys per zone */
  zones?: Record<string, number>;
  expireAfter?: string;
  retryLimit?: number;
  /** a Vault (stand-in) as the shared store instead of the file store on this host */
  vault?: { addr: string; token: string };
}

export class Fleet {
  readonly env: Record<string, string>;
  private constructor(
    readonly dir: string,
    readonly cluster: PgCluster,
    readonly queueUrl: string,
    readonly schema: string,
  ) {
    this.env = {
      KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'),
      KEYTURN_QUEUE_URL: queueUrl,
      ISSUER_DIR: path.join(dir, 'issuer'),
      KEYTURN_ACTOR: 'fleet-test',
    };
  }

  /** A cluster with a queue database and its login role (password over TCP, like production). */
  static async startCluster(): Promise<{ cluster: PgCluster; url: string }> {
    const cluster = await startCluster();
    const password = randomBytes(12).toString('hex');
    await cluster.sql([`CREATE ROLE keyturn_queue LOGIN PASSWORD '${password}'`, 'CREATE DATABASE keyturn_queue OWNER keyturn_queue']);
    return { cluster, url: `postgres://keyturn_queue:${password}@${cluster.host}:${cluster.port}/keyturn_queue` };
  }

  /** A project on that cluster, with its own queue schema (so test files and cases do not share jobs). */
  static async create(cluster: { cluster: PgCluster; url: string }, keys: FleetKeys): Promise<Fleet> {
    const dir = await tempDir('keyturn-fleet-');
    const schema = `q_${randomBytes(4).toString('hex')}`;
    const fleet = new Fleet(dir, cluster.cluster, cluster.url, schema);
    await mkdir(path.join(dir, 'issuer', 'keys'), { recursive: true });
    await writeFile(path.join(dir, 'issuer.sh'), ISSUER);
    await chmod(path.join(dir, 'issuer.sh'), 0o755);
    await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml(keys, schema));
    if (keys.vault) Object.assign(fleet.env, { VAULT_ADDR: keys.vault.addr, VAULT_TOKEN: keys.vault.token });
    return fleet;
  }

  /** Run the built CLI to its end. */
  run(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return execa('node', [CLI, ...args], { cwd: this.dir, env: { ...this.env, ...env }, reject: false, stdin: 'ignore' }).then((r) => ({
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
    }));
  }

  /** Start a worker process (log lines on stderr). */
  worker(args: string[] = [], env: Record<string, string> = {}): ResultPromise<{ reject: false }> {
    return execa('node', [CLI, 'worker', '--poll', '500ms', '--grace', '30s', ...args], {
      cwd: this.dir,
      env: { ...this.env, ...env },
      reject: false,
      stdin: 'ignore',
      all: true,
    }) as unknown as ResultPromise<{ reject: false }>;
  }

  /** Rotation jobs by state, read from pg-boss's own table (cheap enough to poll). */
  async jobStates(): Promise<Record<string, number>> {
    const [result] = await this.cluster.sql(
      `SELECT state, count(*)::int AS n FROM ${this.schema}.job WHERE name LIKE 'keyturn-rotate%' GROUP BY state`,
      'keyturn_queue',
    );
    return Object.fromEntries(result!.rows.map((r: { state: string; n: number }) => [r.state, r.n]));
  }

  async history(): Promise<HistoryEntry[]> {
    const r = await this.run(['history', '--json']);
    if (r.exitCode !== 0) throw new Error(`history failed: ${r.stderr}`);
    return (JSON.parse(r.stdout) as { history: HistoryEntry[] }).history;
  }

  /** The issuer's own record: key id in rotation.yaml → remote key ids it created. */
  creates(): Map<string, string[]> {
    const file = path.join(this.env.ISSUER_DIR!, 'creates.log');
    const out = new Map<string, string[]>();
    if (!existsSync(file)) return out;
    for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const [key, id] = line.split(' ');
      out.set(key!, [...(out.get(key!) ?? []), id!]);
    }
    return out;
  }

  /** Remote keys alive at the issuer. */
  alive(): Set<string> {
    return new Set(readdirSync(path.join(this.env.ISSUER_DIR!, 'keys')));
  }

  async slowCreate(key: string, seconds: number): Promise<void> {
    await writeFile(path.join(this.env.ISSUER_DIR!, `slow-${key}`), String(seconds));
  }

  async cleanup(): Promise<void> {
    await removeTempDir(this.dir);
  }
}

export function keyIds(keys: FleetKeys): string[] {
  const ids = Array.from({ length: keys.plain }, (_, i) => `k${i + 1}`);
  for (const [zone, n] of Object.entries(keys.zones ?? {})) for (let i = 1; i <= n; i++) ids.push(`${zone}-${i}`);
  return ids;
}

function rotationYaml(keys: FleetKeys, schema: string): string {
  const zoneOf = new Map<string, string>();
  for (const [zone, n] of Object.entries(keys.zones ?? {})) for (let i = 1; i <= n; i++) zoneOf.set(`${zone}-${i}`, zone);
  const entries = keyIds(keys).map(
    (id) => `  - id: ${id}
    purpose: fleet test key ${id}
    path: ${keys.vault ? `${schema}/` : ''}app/${id}
    period: 30d
${zoneOf.has(id) ? `    zone: ${zoneOf.get(id)}\n` : ''}`,
  );
  const script = (op: string) => `[sh, ./issuer.sh, ${op}]`;
  return `version: 1
defaults:
  store: local
  issuer: scripted
  leaseTtl: 30s
stores:
  local: ${keys.vault ? '{ type: vault, mount: secret, prefix: keyturn-' + schema + ' }' : '{ type: file, path: store.enc }'}
issuers:
  scripted:
    type: command
    create: ${script('create')}
    revoke: ${script('revoke')}
    verify: ${script('verify')}
    isDead: ${script('is-dead')}
    list: ${script('list')}
fleet:
  queue:
    url: \${KEYTURN_QUEUE_URL}
    schema: ${schema}
    expireAfter: ${keys.expireAfter ?? '2m'}
    retryLimit: ${keys.retryLimit ?? 5}
    retryDelay: 1s
keys:
${entries.join('')}`;
}
