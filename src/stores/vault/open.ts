/**
 * Build a VaultStore from its rotation.yaml declaration and the environment, the way the
 * Vault CLI reads it: address (VAULT_ADDR), namespace (VAULT_NAMESPACE), CA file
 * (VAULT_CACERT), skip-verify (VAULT_SKIP_VERIFY), and a token from VAULT_TOKEN, a token
 * file, or an AppRole login. Then check that Vault is unsealed, the token works (renewed in
 * the background when it can expire) and the mount is KV version 2.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import { VaultClient } from './client.js';
import type { VaultStoreOptions } from './options.js';
import { VaultStore } from './vault-store.js';

interface Where {
  baseDir: string;
  env: NodeJS.ProcessEnv;
}

export async function openVaultStore(name: string, o: VaultStoreOptions, where: Where): Promise<VaultStore> {
  const { env, baseDir } = where;
  const readSecretFile = (file: string, what: string) => {
    try {
      return readFileSync(path.resolve(baseDir, file), 'utf8').trim();
    } catch (error) {
      throw errors.config(`store ${name}: cannot read the ${what} file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };

  const address = o.address ?? env.VAULT_ADDR;
  if (!address) throw errors.config(`store ${name}: no Vault address`, undefined, 'set option address or VAULT_ADDR');
  const { mount, prefix } = o;
  const caFile = o.caFile ?? env.VAULT_CACERT;
  const skipVerify = o.skipVerify || ['1', 'true'].includes(env.VAULT_SKIP_VERIFY ?? '');

  const client = new VaultClient({
    endpoint: address,
    namespace: o.namespace ?? env.VAULT_NAMESPACE,
    ca: caFile ? readSecretFile(caFile, 'CA') : undefined,
    skipVerify,
    attempts: o.attempts,
  });

  const health = await client.health();
  if (health.sealed) {
    throw new KeyturnError('EVAULTSEALED', `store ${name}: Vault at ${client.endpoint} is sealed`, ExitCode.failed, {
      hint: 'unseal it (`vault operator unseal`), then run again',
    });
  }

  await authenticate(client, name, o, env, readSecretFile);
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
  o: VaultStoreOptions,
  env: NodeJS.ProcessEnv,
  readSecretFile: (file: string, what: string) => string,
): Promise<void> {
  const tokenFile = o.tokenFile ?? env.VAULT_TOKEN_FILE;
  if (env.VAULT_TOKEN) {
    client.token = env.VAULT_TOKEN;
    return;
  }
  if (tokenFile) {
    client.token = readSecretFile(tokenFile, 'token');
    return;
  }
  const approle = o.approle;
  if (approle !== undefined || env.VAULT_ROLE_ID) {
    const a = approle ?? { mount: 'approle' };
    const roleId =
      a.roleId ?? env.VAULT_ROLE_ID ?? (a.roleIdFile === undefined ? undefined : readSecretFile(a.roleIdFile, 'AppRole role id'));
    const secretId =
      env.VAULT_SECRET_ID ?? (a.secretIdFile === undefined ? undefined : readSecretFile(a.secretIdFile, 'AppRole secret id'));
    if (!roleId || !secretId) {
      throw errors.config(
        `store ${name}: AppRole needs a role id and a secret id`,
        undefined,
        'set VAULT_ROLE_ID / VAULT_SECRET_ID, or approle.roleIdFile / approle.secretIdFile',
      );
    }
    await client.approleLogin(roleId, secretId, a.mount);
    return;
  }
  throw errors.config(
    `store ${name}: no Vault credentials`,
    undefined,
    'set VAULT_TOKEN, option tokenFile, or AppRole (VAULT_ROLE_ID and VAULT_SECRET_ID)',
  );
}
