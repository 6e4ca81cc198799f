/**
 * A throwaway keyturn project in a temp folder: a rotation.yaml whose keys come from the
 * test provider (through the `command` issuer) and go to test consumers, the built CLI to
 * run against it, and read access to the store, the provider and the consumers to check
 * the end state through their own surfaces.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import type { SecretStore } from '../../src/stores/types.js';
import type { StoreRef } from '../../src/model.js';
import { removeTempDir, tempDir } from './temp-dir.js';

export const REPO = process.cwd();
export const CLI = path.join(REPO, 'dist/src/cli/main.js');
export const FIXTURES = path.join(REPO, 'dist/test/fixtures');

export interface CliResult {
  exitCode: number;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ProviderKey {
  keyId: string;
  name: string;
  secret: string;
}

export interface WorkspaceOptions {
  keys?: number;
  overlap?: string;
  /** extra YAML appended to each key (indented by the caller) */
  extraKeyYaml?: string;
  /** a webhook told of failures, needs-attention and the summary */
  webhookUrl?: string;
}

export class Workspace {
  readonly env: Record<string, string>;

  private constructor(
    readonly dir: string,
    masterKey: string,
  ) {
    this.env = {
      KEYTURN_MASTER_KEY: masterKey,
      PROVIDER_STATE: path.join(dir, 'provider.json'),
      PROVIDER_FAIL_DIR: path.join(dir, 'provider-fail'),
      CONSUMER_STATE: path.join(dir, 'consumers'),
      KEYTURN_ACTOR: 'test-operator',
    };
  }

  static async create(options: WorkspaceOptions = {}): Promise<Workspace> {
    const dir = await tempDir('keyturn-ws-');
    const ws = new Workspace(dir, randomBytes(32).toString('hex'));
    await mkdir(ws.env.PROVIDER_FAIL_DIR!, { recursive: true });
    await mkdir(ws.env.CONSUMER_STATE!, { recursive: true });
    await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml(options));
    return ws;
  }

  get keyIds(): string[] {
    const text = readFileSync(path.join(this.dir, 'rotation.yaml'), 'utf8');
    return [...text.matchAll(/^ {2}- id: (\S+)$/gm)].map((m) => m[1]!);
  }

  /** Run the built CLI in this workspace (no terminal, no stdin, as CI runs it). */
  run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return this.spawn(args, env).then((r) => ({
      exitCode: typeof r.exitCode === 'number' ? r.exitCode : -1,
      signal: r.signal ?? undefined,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
    }));
  }

  spawn(args: string[], env: Record<string, string> = {}): ResultPromise<{ reject: false }> {
    return execa('node', [CLI, ...args], { cwd: this.dir, env: { ...this.env, ...env }, reject: false, stdin: 'ignore' }) as ResultPromise<{
      reject: false;
    }>;
  }

  async store(): Promise<SecretStore> {
    return openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: this.dir, env: this.env });
  }

  ref(key: string): StoreRef {
    return { store: 'local', path: `app/${key}`, key };
  }

  providerKeys(): ProviderKey[] {
    const file = this.env.PROVIDER_STATE!;
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProviderKey[]) : [];
  }

  /** every secret the provider ever issued, deleted ones included */
  issuedSecrets(): string[] {
    const file = `${this.env.PROVIDER_STATE}.issued`;
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  }

  consumer(name: string): { keyId: string; secretSha256: string } | undefined {
    const file = path.join(this.env.CONSUMER_STATE!, `${name}.json`);
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined;
  }

  consumerArgvLog(): string {
    const file = path.join(this.env.CONSUMER_STATE!, 'argv.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Make the provider's next `op` (create, revoke, verify, list, is-dead) fail once. */
  async failProviderOnce(op: string): Promise<void> {
    await writeFile(path.join(this.env.PROVIDER_FAIL_DIR!, op), '');
  }

  async failConsumerOnce(): Promise<void> {
    await writeFile(path.join(this.env.CONSUMER_STATE!, 'fail-once'), '');
  }

  async cleanup(): Promise<void> {
    await removeTempDir(this.dir);
  }
}

function rotationYaml(options: WorkspaceOptions): string {
  const count = options.keys ?? 2;
  const keys = Array.from({ length: count }, (_, i) => {
    const id = `key-${i + 1}`;
    return `  - id: ${id}
    purpose: test key ${i + 1}
    issuer: provider
    path: app/${id}
    period: 30d
    overlap: ${options.overlap ?? '0s'}
    holders: [${i === 0 ? 'team:ops' : 'bob'}]
    consumers:
      - name: app-${i + 1}
        restart: { command: [node, ${JSON.stringify(path.join(FIXTURES, 'consumer.js'))}, restart, app-${i + 1}] }
        env: { APP_SECRET: secret }
${options.extraKeyYaml ?? ''}`;
  });
  return `${providerConfigHead()}people:
  alice: { name: Alice, teams: [ops] }
  bob: { name: Bob }
teams:
  ops: { members: [] }
${options.webhookUrl ? `notify:\n  webhooks:\n    - url: ${options.webhookUrl}\n      events: [failure, attention, summary]\n` : ''}keys:
${keys.join('')}`;
}

/** The start of a rotation.yaml: the file store `local` and the `command` issuer `provider` (test/fixtures/provider.js). */
export function providerConfigHead(): string {
  const provider = (op: string) => `[node, ${JSON.stringify(path.join(FIXTURES, 'provider.js'))}, ${op}]`;
  return `version: 1
defaults:
  store: local
  leaseTtl: 2m
stores:
  local: { type: file, path: store.enc }
issuers:
  provider:
    type: command
    create: ${provider('create')}
    revoke: ${provider('revoke')}
    verify: ${provider('verify')}
    list: ${provider('list')}
    isDead: ${provider('is-dead')}
`;
}
