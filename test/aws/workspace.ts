/**
 * A test workspace (test/support/workspace.ts) whose store is AWS Secrets Manager on
 * moto_server: rotation.yaml's `local` store becomes `type: aws-secrets-manager` under a fresh
 * prefix (so workspaces sharing one moto never meet), the CLI gets moto's endpoint, region and
 * admin credentials through the standard AWS variables, and ws.store() opens the same store
 * (same prefix, admin client), so the shared invariant checks read Secrets Manager.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { adminClientConfig, type Moto } from '../../bench/moto.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import { Workspace, type WorkspaceOptions } from '../support/workspace.js';

export interface AwsWorkspace {
  ws: Workspace;
  /** prepended to every secret name of this workspace */
  prefix: string;
}

export async function awsWorkspace(moto: Moto, options: WorkspaceOptions = {}): Promise<AwsWorkspace> {
  const prefix = `kt-${randomBytes(4).toString('hex')}/`;
  const ws = await Workspace.create(options);
  const file = path.join(ws.dir, 'rotation.yaml');
  const yaml = await readFile(file, 'utf8');
  const replaced = yaml.replace('local: { type: file, path: store.enc }', `local: { type: aws-secrets-manager, prefix: ${prefix} }`);
  if (replaced === yaml) throw new Error('the workspace rotation.yaml changed shape: update test/aws/workspace.ts');
  await writeFile(file, replaced);
  Object.assign(ws.env, moto.env);
  // the test process reads with the admin identity directly: the SDK's chain here is not the CLI's environment
  ws.store = async () => new SecretsManagerStore({ client: new SecretsManagerClient(adminClientConfig(moto)), prefix });
  return { ws, prefix };
}

/** Secrets Manager as an application and an operator see it, with the admin identity. */
export function secretsView(moto: Moto, prefix: string) {
  const client = new SecretsManagerClient(adminClientConfig(moto));
  const name = (key: string) => `${prefix}app/${key}`;
  return {
    /** the secret's labels, by version id */
    async stages(key: string): Promise<Record<string, string[]>> {
      return (await client.send(new DescribeSecretCommand({ SecretId: name(key) }))).VersionIdsToStages ?? {};
    },
    /** the value an application reads: the AWSCURRENT version */
    async current(key: string): Promise<Record<string, string>> {
      const value = await client.send(new GetSecretValueCommand({ SecretId: name(key), VersionStage: 'AWSCURRENT' }));
      return JSON.parse(value.SecretString!) as Record<string, string>;
    },
    /** whether the key's state secret (keyturn-state/<name>) holds a lease */
    async locked(key: string): Promise<boolean> {
      try {
        const state = await client.send(new GetSecretValueCommand({ SecretId: `keyturn-state/${name(key)}`, VersionStage: 'AWSCURRENT' }));
        return (JSON.parse(state.SecretString!) as { lease?: unknown }).lease !== undefined;
      } catch {
        return false;
      }
    },
    /** the managed secret's tags */
    async tags(key: string): Promise<{ Key?: string; Value?: string }[]> {
      return (await client.send(new DescribeSecretCommand({ SecretId: name(key) }))).Tags ?? [];
    },
    close: () => client.destroy(),
  };
}
