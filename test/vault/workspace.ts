/**
 * A test workspace (test/support/workspace.ts) whose store is Vault: rotation.yaml's `local`
 * store becomes `type: vault` on the stand-in, the CLI gets VAULT_ADDR and VAULT_TOKEN, and
 * ws.store() opens the same Vault store, so the shared invariant checks read Vault.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import createClient from 'node-vault';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { Workspace, type WorkspaceOptions } from '../support/workspace.js';
import { login, type LoginMethod, type LoginSetup } from './login-setup.js';
import { openVault } from './support.js';

/** With `auth`, the CLI logs in that way (test/vault/login-setup.ts) instead of using the root token. */
export async function vaultWorkspace(
  vault: VaultStandIn,
  options: WorkspaceOptions = {},
  auth: LoginMethod = 'token',
  setup: LoginSetup = {},
): Promise<Workspace> {
  const ws = await Workspace.create(options);
  const creds = await login(vault, auth, ws.dir, setup);
  const file = path.join(ws.dir, 'rotation.yaml');
  const yaml = await readFile(file, 'utf8');
  const replaced = yaml.replace(
    'local: { type: file, path: store.enc }',
    `local: { type: vault, mount: secret${creds.yaml === '' ? '' : `, ${creds.yaml}`} }`,
  );
  if (replaced === yaml) throw new Error('the workspace rotation.yaml changed shape: update test/vault/workspace.ts');
  await writeFile(file, replaced);
  delete ws.env.VAULT_TOKEN;
  Object.assign(ws.env, creds.env);
  ws.store = () => openVault(creds.env, creds.options);
  return ws;
}

/** A consumer's view: node-vault reading the latest version of the secret, as an application would. */
export function consumerClient(vault: VaultStandIn) {
  const client = createClient({ endpoint: vault.url, token: vault.rootToken });
  return {
    async latest(key: string): Promise<Record<string, string> | undefined> {
      try {
        return (await client.read(`secret/data/app/${key}`)).data.data as Record<string, string>;
      } catch (error) {
        if ((error as { response?: { statusCode?: number } }).response?.statusCode === 404) return undefined;
        throw error;
      }
    },
    async metadata(key: string): Promise<Record<string, string>> {
      return ((await client.read(`secret/metadata/app/${key}`)).data.custom_metadata ?? {}) as Record<string, string>;
    },
    /** keyturn's own documents for a key that still exist */
    async sideDocs(key: string): Promise<string[]> {
      try {
        return (await client.list(`secret/metadata/keyturn/app/${key}`)).data.keys as string[];
      } catch {
        return [];
      }
    },
    /** Whether staged material waits in Vault: PENDING in the state document, or an earlier keyturn's pending document. */
    async staged(key: string): Promise<boolean> {
      if ((await this.sideDocs(key)).includes('pending')) return true;
      const state = (await this.sideDoc(key, 'state')) as { pending?: unknown } | undefined;
      return state?.pending !== undefined;
    },
    async sideDoc(key: string, doc: string): Promise<unknown> {
      try {
        return JSON.parse((await client.read(`secret/data/keyturn/app/${key}/${doc}`)).data.data.doc as string);
      } catch {
        return undefined;
      }
    },
  };
}
