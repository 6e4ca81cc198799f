/**
 * Build a VaultStore from its rotation.yaml declaration and the environment, the way the
 * Vault CLI reads it: address (VAULT_ADDR), namespace (VAULT_NAMESPACE), CA file
 * (VAULT_CACERT), skip-verify (VAULT_SKIP_VERIFY), and a token from VAULT_TOKEN, a token
 * file, or a login (AppRole, Kubernetes, JWT). Then check that Vault is unsealed, the token
 * works and the mount is KV version 2. The session is kept alive for the whole run: renewed at
 * 2/3 of its life, and (for a login) logged in again when it cannot be renewed or expires.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { errors, ExitCode, KeyturnError } from '../../errors.js';
import { VaultClient, type TokenLease } from './client.js';
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

  const relogin = await authenticate(client, name, o, env, readSecretFile);
  const lease = relogin ? await relogin() : await client.lookupSelf();
  client.keepAlive(lease, relogin);

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

/**
 * VAULT_TOKEN, else a token file, else a login: AppRole (role id and secret id from env or
 * files), Kubernetes (the service-account token file) or JWT (a file or an environment
 * variable). A login method returns how to log in (again); a fixed token returns undefined.
 * Secrets are read at each login, never kept in options, never put in a message.
 */
async function authenticate(
  client: VaultClient,
  name: string,
  o: VaultStoreOptions,
  env: NodeJS.ProcessEnv,
  readSecretFile: (file: string, what: string) => string,
): Promise<(() => Promise<TokenLease>) | undefined> {
  const tokenFile = o.tokenFile ?? env.VAULT_TOKEN_FILE;
  if (env.VAULT_TOKEN) {
    client.token = env.VAULT_TOKEN;
    return undefined;
  }
  if (tokenFile) {
    client.token = readSecretFile(tokenFile, 'token');
    return undefined;
  }
  if (o.kubernetes) {
    const k = o.kubernetes;
    return () => client.login(k.mount, { role: k.role, jwt: readSecretFile(k.tokenFile, 'Kubernetes service-account token') });
  }
  if (o.jwt) {
    const j = o.jwt;
    const jwt = () => {
      if (j.tokenFile !== undefined) return readSecretFile(j.tokenFile, 'JWT');
      const value = env[j.tokenEnv!];
      if (!value) throw errors.config(`store ${name}: the environment variable ${j.tokenEnv} (jwt.tokenEnv) holds no JWT`);
      return value.trim();
    };
    return () => client.login(j.mount, { role: j.role, jwt: jwt() });
  }
  const approle = o.approle;
  if (approle !== undefined || env.VAULT_ROLE_ID) {
    const a = approle ?? { mount: 'approle' };
    const roleId =
      a.roleId ?? env.VAULT_ROLE_ID ?? (a.roleIdFile === undefined ? undefined : readSecretFile(a.roleIdFile, 'AppRole role id'));
    const secretId = () =>
      env.VAULT_SECRET_ID ?? (a.secretIdFile === undefined ? undefined : readSecretFile(a.secretIdFile, 'AppRole secret id'));
    if (!roleId || !secretId()) {
      throw errors.config(
        `store ${name}: AppRole needs a role id and a secret id`,
        undefined,
        'set VAULT_ROLE_ID / VAULT_SECRET_ID, or approle.roleIdFile / approle.secretIdFile',
      );
    }
    return () => client.login(a.mount, { role_id: roleId, secret_id: secretId()! });
  }
  throw errors.config(
    `store ${name}: no Vault credentials`,
    undefined,
    'set VAULT_TOKEN, option tokenFile, a login (kubernetes, jwt, approle), or AppRole from VAULT_ROLE_ID and VAULT_SECRET_ID',
  );
}
