/**
 * Each way keyturn logs in to Vault, set up on a stand-in as an operator would on Vault: a
 * policy with keyturn's paths, then a fixed token, an AppRole, a Kubernetes role (the pod's
 * service-account token in a file) or a JWT role (a CI token in an environment variable).
 * `login(vault, method, dir)` returns the store options and the environment that use it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { signJwt } from '../../scripts/vault/jwt.js';
import { signingKeys } from './conformance-target.js';
import { keyturnPolicy } from './support.js';

export type LoginMethod = 'token' | 'approle' | 'kubernetes' | 'jwt';
export const LOGIN_METHODS: LoginMethod[] = ['token', 'approle', 'kubernetes', 'jwt'];

export interface Login {
  options: Record<string, unknown>;
  env: Record<string, string>;
  /** YAML for the store's options (a flow mapping's inside) */
  yaml: string;
}

export interface LoginSetup {
  /** seconds the issued token lives, and at most (renewals stop there) */
  ttl?: number;
  maxTtl?: number;
}

export async function login(vault: VaultStandIn, method: LoginMethod, dir: string, setup: LoginSetup = {}): Promise<Login> {
  const env = { VAULT_ADDR: vault.url };
  vault.tokens.addPolicy('keyturn', keyturnPolicy());
  const role = { policies: ['keyturn'], ttl: setup.ttl ?? 600, maxTtl: setup.maxTtl };
  switch (method) {
    case 'token':
      return { options: {}, env: { ...env, VAULT_TOKEN: vault.rootToken }, yaml: '' };
    case 'approle': {
      vault.tokens.addRole({ name: 'keyturn', roleId: 'keyturn-role-id', secretId: 'keyturn-secret-id', ...role });
      return { options: {}, env: { ...env, VAULT_ROLE_ID: 'keyturn-role-id', VAULT_SECRET_ID: 'keyturn-secret-id' }, yaml: '' };
    }
    case 'kubernetes': {
      const keys = signingKeys();
      vault.tokens.configureKubernetes('kubernetes', { publicKeys: [keys.publicKey] });
      vault.tokens.addKubernetesRole('kubernetes', {
        name: 'keyturn',
        boundServiceAccountNames: ['keyturn'],
        boundServiceAccountNamespaces: ['ops'],
        ...role,
      });
      const tokenFile = path.join(dir, 'sa-token');
      const claims = {
        iss: 'kubernetes/serviceaccount',
        'kubernetes.io/serviceaccount/namespace': 'ops',
        'kubernetes.io/serviceaccount/service-account.name': 'keyturn',
        'kubernetes.io/serviceaccount/service-account.uid': '0c6a1f4e-0000-4000-8000-00000000c0de',
        sub: 'system:serviceaccount:ops:keyturn',
      };
      await writeFile(tokenFile, signJwt(claims, keys.privateKey), { mode: 0o600 });
      return {
        options: { kubernetes: { role: 'keyturn', tokenFile } },
        env,
        yaml: `kubernetes: { role: keyturn, tokenFile: ${JSON.stringify(tokenFile)} }`,
      };
    }
    case 'jwt': {
      const keys = signingKeys();
      vault.tokens.configureJwt('jwt', { publicKeys: [keys.publicKey] });
      vault.tokens.addJwtRole('jwt', {
        name: 'ci',
        boundAudiences: ['keyturn'],
        boundSubject: 'repo:acme/ops:ref:refs/heads/main',
        ...role,
      });
      const now = Math.floor(Date.now() / 1000);
      const jwt = signJwt({ sub: 'repo:acme/ops:ref:refs/heads/main', aud: 'keyturn', iat: now, exp: now + 3600 }, keys.privateKey);
      return {
        options: { jwt: { role: 'ci', tokenEnv: 'CI_ID_TOKEN' } },
        env: { ...env, CI_ID_TOKEN: jwt },
        yaml: 'jwt: { role: ci, tokenEnv: CI_ID_TOKEN }',
      };
    }
  }
}
