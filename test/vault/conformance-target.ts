/**
 * Where the conformance suite runs: a real Vault when VAULT_ADDR and VAULT_TOKEN are set (a dev
 * server with KV v2 at secret/), else a fresh stand-in. The setup a test needs (a token with a
 * policy, an AppRole, a JWT or Kubernetes auth mount, a KV v1 mount) is made through Vault's own
 * API on a real Vault and through the stand-in's admin calls on the stand-in, so the requests
 * under test are the same on both.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startVaultStandIn, type VaultStandIn } from '../../scripts/vault/server.js';
import type { PathRule } from '../../scripts/vault/auth.js';
import { rawRequest, type RawResponse } from './raw-http.js';

export interface RoleToken {
  policies: string[];
  ttl: number;
}

export interface Target {
  kind: 'stand-in' | 'real Vault';
  url: string;
  rootToken: string;
  /** the stand-in, for the tests that inject faults (undefined on a real Vault) */
  standIn?: VaultStandIn;
  /** a fresh folder for this run, so a real Vault's other data is never touched */
  base: string;
  req(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  policy(name: string, rules: PathRule[]): Promise<void>;
  token(options: { policies?: string[]; ttl?: string; renewable?: boolean }): Promise<string>;
  appRole(name: string, role: RoleToken): Promise<{ roleId: string; secretId: string }>;
  jwtAuth(
    mount: string,
    config: { publicKey: string },
    role: RoleToken & { name: string; audiences: string[]; subject?: string },
  ): Promise<void>;
  kubernetesAuth(
    mount: string,
    config: { publicKey: string },
    role: RoleToken & { name: string; serviceAccounts: string[]; namespaces: string[] },
  ): Promise<void>;
  /** a KV version 1 mount */
  kv1Mount(): Promise<string>;
  close(): Promise<void>;
}

export async function openTarget(): Promise<Target> {
  const real =
    process.env.VAULT_ADDR && process.env.VAULT_TOKEN ? { url: process.env.VAULT_ADDR, token: process.env.VAULT_TOKEN } : undefined;
  const standIn = real ? undefined : await startVaultStandIn();
  const url = real?.url ?? standIn!.url;
  const rootToken = real?.token ?? standIn!.rootToken;
  const suffix = randomBytes(4).toString('hex');
  const req: Target['req'] = (method, path, options = {}) =>
    rawRequest(url, method, path, { ...options, token: options.token === null ? undefined : (options.token ?? rootToken) });
  const must = async (method: string, path: string, body?: unknown) => {
    const res = await req(method, path, { body });
    if (res.status >= 300) throw new Error(`setup ${method} ${path}: ${res.status} ${res.text}`);
    return res;
  };
  const admin = (what: string, body: unknown) => must('POST', `/_standin/${what}`, body);
  const enable = async (mount: string, type: string) => {
    const res = await req('POST', `/v1/sys/auth/${mount}`, { body: { type } });
    if (res.status >= 300 && !res.text.includes('already in use')) throw new Error(`setup: enabling ${type} at ${mount}: ${res.text}`);
  };

  return {
    kind: real ? 'real Vault' : 'stand-in',
    url,
    rootToken,
    standIn,
    base: `conformance-${suffix}`,
    req,
    async policy(name, rules) {
      if (standIn) return void standIn.tokens.addPolicy(name, rules);
      const hcl = rules.map((r) => `path "${r.path}" { capabilities = ${JSON.stringify(r.capabilities)} }`).join('\n');
      await must('PUT', `/v1/sys/policies/acl/${name}`, { policy: hcl });
    },
    async token({ policies = [], ttl, renewable = true }) {
      if (standIn) {
        const token = `hvs.standin-${randomBytes(8).toString('hex')}`;
        standIn.tokens.add(token, { policies, ttl: ttl === undefined ? 0 : parseTtl(ttl), renewable });
        return token;
      }
      const res = await must('POST', '/v1/auth/token/create', { policies, ttl, renewable, no_parent: true });
      return res.json.auth.client_token as string;
    },
    async appRole(name, role) {
      if (standIn) {
        const ids = { roleId: `role-${randomBytes(6).toString('hex')}`, secretId: `sid-${randomBytes(12).toString('hex')}` };
        standIn.tokens.addRole({ name, ...ids, policies: role.policies, ttl: role.ttl });
        return ids;
      }
      await enable('approle', 'approle');
      await must('POST', `/v1/auth/approle/role/${name}`, { token_policies: role.policies, token_ttl: role.ttl });
      const roleId = (await must('GET', `/v1/auth/approle/role/${name}/role-id`)).json.data.role_id as string;
      const secretId = (await must('POST', `/v1/auth/approle/role/${name}/secret-id`, {})).json.data.secret_id as string;
      return { roleId, secretId };
    },
    async jwtAuth(mount, config, role) {
      if (standIn) {
        await admin('jwt/config', { mount, publicKeys: [config.publicKey] });
        await admin('jwt/role', {
          mount,
          name: role.name,
          boundAudiences: role.audiences,
          boundSubject: role.subject,
          policies: role.policies,
          ttl: role.ttl,
        });
        return;
      }
      await enable(mount, 'jwt');
      await must('POST', `/v1/auth/${mount}/config`, { jwt_validation_pubkeys: [config.publicKey] });
      await must('POST', `/v1/auth/${mount}/role/${role.name}`, {
        role_type: 'jwt',
        user_claim: 'sub',
        bound_audiences: role.audiences,
        bound_subject: role.subject ?? '',
        token_policies: role.policies,
        token_ttl: role.ttl,
      });
    },
    async kubernetesAuth(mount, config, role) {
      if (standIn) {
        await admin('kubernetes/config', { mount, publicKeys: [config.publicKey] });
        await admin('kubernetes/role', {
          mount,
          name: role.name,
          boundServiceAccountNames: role.serviceAccounts,
          boundServiceAccountNamespaces: role.namespaces,
          policies: role.policies,
          ttl: role.ttl,
        });
        return;
      }
      await enable(mount, 'kubernetes');
      await must('POST', `/v1/auth/${mount}/config`, {
        kubernetes_host: 'https://127.0.0.1:1',
        pem_keys: [config.publicKey],
        disable_local_ca_jwt: true,
      });
      await must('POST', `/v1/auth/${mount}/role/${role.name}`, {
        bound_service_account_names: role.serviceAccounts,
        bound_service_account_namespaces: role.namespaces,
        token_policies: role.policies,
        token_ttl: role.ttl,
      });
    },
    async kv1Mount() {
      if (standIn) return 'kv1';
      const mount = `kv1-${suffix}`;
      await must('POST', `/v1/sys/mounts/${mount}`, { type: 'kv', options: { version: '1' } });
      return mount;
    },
    async close() {
      // on a real Vault the run's folder (secret/conformance-<hex>/) stays, for whoever wants to look
      if (standIn) await standIn.close();
    },
  };
}

function parseTtl(ttl: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(ttl);
  if (!m) throw new Error(`ttl ${ttl}`);
  return Number(m[1]) * ({ s: 1, m: 60, h: 3600 }[m[2] ?? 's'] ?? 1);
}

/** A key pair for JWT and Kubernetes tests: the PEM public key Vault verifies with, the private key that signs. */
export function signingKeys(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
