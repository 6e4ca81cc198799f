/**
 * Build a VaultStore from its rotation.yaml declaration and the environment, the way the
 * Vault CLI reads it: address (VAULT_ADDR), namespace (VAULT_NAMESPACE), CA file
 * (VAULT_CACERT), skip-verify (VAULT_SKIP_VERIFY), and a token from VAULT_TOKEN, a token
 * file, or an AppRole login. Then check that Vault is unsealed, the token works (renewed in
 * the background when it can expire) and the mount is KV version 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { StoreConfig } from '../../config/types.js';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import { VaultClient } from './client.js';
import { VaultStore } from './vault-store.js';

interface Options {
  baseDir: string;
  env: NodeJS.ProcessEnv;
}

const SEGMENT = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export async function openVaultStore(config: StoreConfig, options: Options): Promise<VaultStore> {
  const { env, baseDir } = options;
  const o = config.options;
  const name = config.name;
  const str = (field: string): string | undefined => {
    const value = o[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.trim() === '') throw errors.config(`store ${name}: option ${field} must be a non-empty string`);
    return value;
  };
  const file = (p: string) => path.resolve(baseDir, p);
  const readSecretFile = (p: string, what: string) => {
    try {
      return readFileSync(file(p), 'utf8').trim();
    } catch (error) {
      throw errors.config(`store ${name}: cannot read the ${what} file ${p} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };

  const address = str('address') ?? env.VAULT_ADDR;
  if (!address) throw errors.config(`store ${name}: no Vault address`, undefined, 'set option address or VAULT_ADDR');
  const mount = (str('mount') ?? 'secret').replace(/^\/+|\/+$/g, '');
  const prefix = (str('prefix') ?? 'keyturn').replace(/^\/+|\/+$/g, '');
  if (!SEGMENT.test(mount) || !SEGMENT.test(prefix))
    throw errors.config(`store ${name}: mount and prefix may hold only letters, digits, . _ - and /`);
  const caFile = str('caFile') ?? env.VAULT_CACERT;
  const skipVerify = o.skipVerify === true || ['1', 'true'].includes(env.VAULT_SKIP_VERIFY ?? '');

  const client = new VaultClient({
    endpoint: address,
    namespace: str('namespace') ?? env.VAULT_NAMESPACE,
    ca: caFile ? readSecretFile(caFile, 'CA') : undefined,
    skipVerify,
    attempts: typeof o.attempts === 'number' ? o.attempts : undefined,
  });

  const health = await client.health();
  if (health.sealed) {
    throw new KeyturnError('EVAULTSEALED', `store ${name}: Vault at ${client.endpoint} is sealed`, ExitCode.failed, {
      hint: 'unseal it (`vault operator unseal`), then run again',
    });
  }

  await authenticate(client, name, o, env, str, readSecretFile);
  const token = await client.lookupSelf();
  if (token.renewable && token.ttl > 0) client.startRenewal(token.ttl);

  const version = await client.mountVersion(`${mount}/`);
  if (version !== '2') {
    client.stopRenewal();
    throw errors.config(
      `store ${name}: the mount ${mount}/ is KV version ${version}; keyturn needs KV version 2 (versions and check-and-set)`,
      undefined,
      `upgrade it with \`vault kv enable-versioning ${mount}/\` or point the store at a KV v2 mount`,
    );
  }
  return new VaultStore({ client, mount, prefix, displayAddress: address, onClose: () => client.stopRenewal() });
}

/** VAULT_TOKEN, else a token file, else AppRole (role id and secret id from env or files). */
async function authenticate(
  client: VaultClient,
  name: string,
  o: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  str: (field: string) => string | undefined,
  readSecretFile: (p: string, what: string) => string,
): Promise<void> {
  const tokenFile = str('tokenFile') ?? env.VAULT_TOKEN_FILE;
  if (env.VAULT_TOKEN) {
    client.token = env.VAULT_TOKEN;
    return;
  }
  if (tokenFile) {
    client.token = readSecretFile(tokenFile, 'token');
    return;
  }
  const approle = (o.approle ?? undefined) as Record<string, unknown> | undefined;
  if (approle !== undefined || env.VAULT_ROLE_ID) {
    const a = approle ?? {};
    const roleId =
      (typeof a.roleId === 'string' ? a.roleId : undefined) ??
      env.VAULT_ROLE_ID ??
      (typeof a.roleIdFile === 'string' ? readSecretFile(a.roleIdFile, 'AppRole role id') : undefined);
    const secretId =
      env.VAULT_SECRET_ID ?? (typeof a.secretIdFile === 'string' ? readSecretFile(a.secretIdFile, 'AppRole secret id') : undefined);
    if (!roleId || !secretId) {
      throw errors.config(
        `store ${name}: AppRole needs a role id and a secret id`,
        undefined,
        'set VAULT_ROLE_ID / VAULT_SECRET_ID, or approle.roleIdFile / approle.secretIdFile',
      );
    }
    await client.approleLogin(roleId, secretId, typeof a.mount === 'string' ? a.mount : 'approle');
    return;
  }
  throw errors.config(
    `store ${name}: no Vault credentials`,
    undefined,
    'set VAULT_TOKEN, option tokenFile, or AppRole (VAULT_ROLE_ID and VAULT_SECRET_ID)',
  );
}
