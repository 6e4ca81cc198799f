/**
 * Tokens, named policies and the login methods the stand-in serves: AppRole
 * (hashicorp/vault builtin/credential/approle path_login.go), Kubernetes
 * (hashicorp/vault-plugin-auth-kubernetes path_login.go, with local public keys instead of a
 * TokenReview) and JWT (hashicorp/vault-plugin-auth-jwt path_login.go with static public keys,
 * the claim checks of hashicorp/cap jwt.Validate). A policy is a list of path rules as in
 * Vault's HCL (a trailing `*` is a prefix match, `+` one segment); the most specific matching
 * rule decides, and `deny` wins. Enough to prove keyturn's 403 handling, not Vault's ACL engine.
 */
import { randomBytes } from 'node:crypto';
import { VaultHttpError, badRequest, invalidToken, permissionDenied, policyDenied } from './http-error.js';
import { verifyJwt, type JwtClaims } from './jwt.js';

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

export interface PathRule {
  path: string;
  capabilities: Capability[];
}

export interface TokenOptions {
  /** rules of an unnamed policy; with neither rules nor policies the token is root */
  rules?: PathRule[];
  /** named policies (see TokenTable.addPolicy); "default" is added unless noDefaultPolicy */
  policies?: string[];
  noDefaultPolicy?: boolean;
  /** seconds; 0 never expires */
  ttl?: number;
  renewable?: boolean;
  /** what renew-self may extend to, in seconds from creation */
  maxTtl?: number;
  meta?: Record<string, string>;
  /** the path that created the token (auth/approle/login, …) */
  path?: string;
  displayName?: string;
}

export interface TokenEntry {
  policies: string[];
  rules?: PathRule[];
  ttl: number;
  renewable: boolean;
  maxTtl: number;
  expiresAt: number;
  issuedAt: number;
  accessor: string;
  meta: Record<string, string> | null;
  path: string;
  displayName: string;
}

/** A role's token settings (the tokenutil fields every auth method shares). */
export interface RoleToken {
  policies?: string[];
  /** seconds (default: the system's 768h) */
  ttl?: number;
  maxTtl?: number;
}

export interface AppRole extends RoleToken {
  /** the role's name (role_name in the token's metadata) */
  name?: string;
  roleId: string;
  secretId: string;
}

export interface KubernetesConfig {
  /** PEM public keys that sign service-account tokens (pem_keys) */
  publicKeys: string[];
  issuer?: string;
}

export interface KubernetesRole extends RoleToken {
  name: string;
  boundServiceAccountNames: string[];
  boundServiceAccountNamespaces: string[];
  audience?: string;
}

export interface JwtConfig {
  /** jwt_validation_pubkeys */
  publicKeys: string[];
  boundIssuer?: string;
}

export interface JwtRole extends RoleToken {
  name: string;
  boundAudiences?: string[];
  boundSubject?: string;
  /** claim naming the identity (default sub) */
  userClaim?: string;
  boundClaims?: Record<string, string | string[]>;
}

/** Vault's default token TTL (sys default_lease_ttl: 768h). */
const SYSTEM_TTL = 768 * 3600;

/** What every token with the default policy may do (Vault's built-in "default" policy, the parts keyturn touches). */
const DEFAULT_POLICY: PathRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
  { path: 'sys/capabilities-self', capabilities: ['update'] },
];

export interface AuthSnapshot {
  tokens: Record<string, TokenEntry>;
  policies: Record<string, PathRule[]>;
  appRoles: AppRole[];
  kubernetes: Record<string, { config?: KubernetesConfig; roles: KubernetesRole[] }>;
  jwt: Record<string, { config?: JwtConfig; roles: JwtRole[] }>;
}

export class TokenTable {
  private tokens = new Map<string, TokenEntry>();
  private policies = new Map<string, PathRule[]>([['default', DEFAULT_POLICY]]);
  private appRoles: AppRole[] = [];
  private kubernetes = new Map<string, { config?: KubernetesConfig; roles: KubernetesRole[] }>();
  private jwt = new Map<string, { config?: JwtConfig; roles: JwtRole[] }>();
  /** renew-self calls answered, for the renewal tests */
  renewals = 0;
  /** logins answered, by method */
  logins: Record<string, number> = {};

  constructor(private readonly now: () => number = Date.now) {}

  snapshot(): AuthSnapshot {
    return {
      tokens: Object.fromEntries(this.tokens),
      policies: Object.fromEntries(this.policies),
      appRoles: this.appRoles,
      kubernetes: Object.fromEntries(this.kubernetes),
      jwt: Object.fromEntries(this.jwt),
    };
  }

  restore(s: AuthSnapshot): void {
    this.tokens = new Map(Object.entries(s.tokens));
    this.policies = new Map(Object.entries(s.policies));
    this.appRoles = s.appRoles;
    this.kubernetes = new Map(Object.entries(s.kubernetes));
    this.jwt = new Map(Object.entries(s.jwt));
  }

  addPolicy(name: string, rules: PathRule[]): void {
    this.policies.set(name, rules);
  }

  add(token: string, options: TokenOptions = {}): string {
    const ttl = options.ttl ?? 0;
    const root = options.rules === undefined && options.policies === undefined;
    const named = root ? ['root'] : [...new Set([...(options.noDefaultPolicy ? [] : ['default']), ...(options.policies ?? [])])].sort();
    const at = this.now();
    this.tokens.set(token, {
      policies: named,
      rules: options.rules,
      ttl,
      renewable: options.renewable ?? ttl > 0,
      maxTtl: options.maxTtl ?? 0,
      expiresAt: ttl > 0 ? at + ttl * 1000 : 0,
      issuedAt: at,
      accessor: randomBytes(12).toString('base64url'),
      meta: options.meta ?? null,
      path: options.path ?? 'auth/token/create',
      displayName: options.displayName ?? 'token',
    });
    return token;
  }

  /** Forget a token (as `vault token revoke` would): the next request with it is an invalid token. */
  revoke(token: string): void {
    this.tokens.delete(token);
  }

  addRole(role: AppRole): void {
    this.appRoles.push(role);
  }

  configureKubernetes(mount: string, config: KubernetesConfig): void {
    this.kubernetesMount(mount).config = config;
  }

  addKubernetesRole(mount: string, role: KubernetesRole): void {
    this.kubernetesMount(mount).roles.push(role);
  }

  configureJwt(mount: string, config: JwtConfig): void {
    this.jwtMount(mount).config = config;
  }

  addJwtRole(mount: string, role: JwtRole): void {
    this.jwtMount(mount).roles.push(role);
  }

  hasKubernetes(mount: string): boolean {
    return this.kubernetes.has(mount);
  }

  hasJwt(mount: string): boolean {
    return this.jwt.has(mount);
  }

  /** builtin/credential/approle path_login.go: a wrong role id or secret id is one message. */
  loginAppRole(mount: string, body: Record<string, unknown>): Record<string, unknown> {
    const roleId = body.role_id;
    if (typeof roleId !== 'string' || roleId === '') throw badRequest('missing role_id');
    const role = this.appRoles.find((r) => r.roleId === roleId && r.secretId === body.secret_id);
    if (!role) throw badRequest('invalid role or secret ID');
    const name = role.name ?? 'role';
    return this.issue('approle', {
      policies: role.policies ?? [],
      ttl: role.ttl ?? SYSTEM_TTL,
      maxTtl: role.maxTtl,
      renewable: true,
      meta: { role_name: name },
      path: `auth/${mount}/login`,
      displayName: 'approle',
    });
  }

  /** vault-plugin-auth-kubernetes path_login.go pathLogin, the signature checked against pem_keys. */
  loginKubernetes(mount: string, body: Record<string, unknown>): Record<string, unknown> {
    const roleName = requiredField(body, 'role');
    const jwt = requiredField(body, 'jwt');
    const space = this.kubernetes.get(mount);
    const role = space?.roles.find((r) => r.name === roleName);
    if (!role) throw badRequest(`invalid role name ${JSON.stringify(roleName)}`);
    if (!space?.config) throw new VaultHttpError(500, ['could not load backend configuration']);
    let claims: JwtClaims;
    try {
      claims = verifyJwt(jwt, space.config.publicKeys, {
        issuer: space.config.issuer,
        audiences: role.audience ? [role.audience] : [],
        allowMissingTimes: true,
        now: this.now(),
      });
    } catch (error) {
      const message = (error as Error).message;
      // a bad signature is a plain permission denied (the plugin logs the reason)
      if (message.includes('verifying token signature')) throw permissionDenied();
      throw new VaultHttpError(403, [message]);
    }
    const sa = serviceAccountOf(claims);
    if (!(role.boundServiceAccountNames.length === 1 && role.boundServiceAccountNames[0] === '*')) {
      if (!globMatchAny(role.boundServiceAccountNames, sa.name)) throw new VaultHttpError(403, ['service account name not authorized']);
    }
    const namespaces = role.boundServiceAccountNamespaces;
    if (!(namespaces[0] === '*' || globMatchAny(namespaces, sa.namespace))) throw new VaultHttpError(403, ['namespace not authorized']);
    return this.issue('kubernetes', {
      policies: role.policies ?? [],
      ttl: role.ttl ?? SYSTEM_TTL,
      maxTtl: role.maxTtl,
      renewable: true,
      meta: {
        role: roleName,
        service_account_name: sa.name,
        service_account_namespace: sa.namespace,
        service_account_secret_name: '',
        service_account_uid: sa.uid,
      },
      path: `auth/${mount}/login`,
      displayName: `${mount}-${sa.namespace}-${sa.name}`,
    });
  }

  /** vault-plugin-auth-jwt path_login.go pathLogin with jwt_validation_pubkeys. */
  loginJwt(mount: string, body: Record<string, unknown>): Record<string, unknown> {
    const space = this.jwt.get(mount);
    if (!space?.config) throw badRequest('could not load configuration');
    const roleName = body.role;
    if (typeof roleName !== 'string' || roleName === '') throw badRequest('missing role');
    const role = space.roles.find((r) => r.name === roleName);
    if (!role) throw badRequest(`role ${JSON.stringify(roleName)} could not be found`);
    const token = body.jwt;
    if (typeof token !== 'string' || token === '') throw badRequest('missing token');
    let claims: JwtClaims;
    try {
      claims = verifyJwt(token, space.config.publicKeys, {
        issuer: space.config.boundIssuer,
        subject: role.boundSubject,
        audiences: role.boundAudiences ?? [],
        now: this.now(),
      });
    } catch (error) {
      throw badRequest(`error validating token: ${(error as Error).message}`);
    }
    if ((role.boundAudiences ?? []).length === 0) {
      const aud = claims.aud;
      if ((Array.isArray(aud) && aud.length > 0) || (typeof aud === 'string' && aud !== ''))
        throw badRequest('audience claim found in JWT but no audiences bound to the role');
    }
    const userClaim = role.userClaim ?? 'sub';
    const user = claims[userClaim];
    if (user === undefined) throw badRequest(`claim ${JSON.stringify(userClaim)} not found in token`);
    for (const [claim, expected] of Object.entries(role.boundClaims ?? {})) {
      const actual = claims[claim];
      if (actual === undefined) throw badRequest(`error validating claims: claim ${JSON.stringify(claim)} is missing`);
      const wanted = Array.isArray(expected) ? expected : [expected];
      const got = Array.isArray(actual) ? actual.map(String) : [String(actual)];
      if (!got.some((g) => wanted.includes(g)))
        throw badRequest(`error validating claims: claim ${JSON.stringify(claim)} does not match any associated bound claim values`);
    }
    return this.issue('jwt', {
      policies: role.policies ?? [],
      ttl: role.ttl ?? SYSTEM_TTL,
      maxTtl: role.maxTtl,
      renewable: true,
      meta: { role: roleName },
      path: `auth/${mount}/login`,
      displayName: `${mount}-${String(user)}`,
    });
  }

  /** The token's entry; 403 "permission denied" without one, the invalid-token text for an unknown or expired one. */
  check(token: string | undefined): TokenEntry {
    if (token === undefined || token === '') throw permissionDenied();
    const entry = this.tokens.get(token);
    if (!entry) throw invalidToken();
    if (entry.expiresAt > 0 && entry.expiresAt <= this.now()) {
      this.tokens.delete(token);
      throw invalidToken();
    }
    return entry;
  }

  lookup(token: string): Record<string, unknown> {
    const entry = this.check(token);
    const ttl = entry.expiresAt === 0 ? 0 : Math.max(0, Math.round((entry.expiresAt - this.now()) / 1000));
    return {
      accessor: entry.accessor,
      creation_time: Math.floor(entry.issuedAt / 1000),
      creation_ttl: entry.ttl,
      display_name: entry.displayName,
      entity_id: '',
      expire_time: entry.expiresAt === 0 ? null : new Date(entry.expiresAt).toISOString(),
      explicit_max_ttl: 0,
      id: token,
      issue_time: new Date(entry.issuedAt).toISOString(),
      meta: entry.meta,
      num_uses: 0,
      orphan: true,
      path: entry.path,
      policies: entry.policies,
      renewable: entry.renewable,
      ttl,
      type: 'service',
    };
  }

  /** renew-self: a token without a TTL or not renewable says "lease is not renewable". */
  renew(token: string, increment?: number): Record<string, unknown> {
    const entry = this.check(token);
    if (!entry.renewable || entry.expiresAt === 0) throw badRequest('lease is not renewable');
    this.renewals += 1;
    let ttl = increment && increment > 0 ? increment : entry.ttl;
    if (entry.maxTtl > 0) ttl = Math.max(0, Math.min(ttl, Math.round((entry.issuedAt + entry.maxTtl * 1000 - this.now()) / 1000)));
    entry.expiresAt = this.now() + ttl * 1000;
    return this.authBlock(token, entry, ttl);
  }

  /** Throws 403 unless the token may use `capability` on `path` (the API path without /v1/). */
  authorize(token: string | undefined, path: string, capability: Capability): void {
    const entry = this.check(token);
    if (entry.policies.includes('root')) return;
    const rules = [...(entry.rules ?? []), ...entry.policies.flatMap((p) => this.policies.get(p) ?? [])];
    const rule = mostSpecific(rules, path);
    if (!rule || rule.capabilities.includes('deny') || !rule.capabilities.includes(capability)) throw policyDenied();
  }

  /** Whether the token may do anything at all under `prefix` (sys/internal/ui/mounts' hasMountAccess). */
  mayReach(token: string | undefined, prefix: string): boolean {
    const entry = this.check(token);
    if (entry.policies.includes('root')) return true;
    const rules = [...(entry.rules ?? []), ...entry.policies.flatMap((p) => this.policies.get(p) ?? [])];
    return rules.some((r) => !r.capabilities.includes('deny') && (r.path.startsWith(prefix) || matches(r.path, prefix)));
  }

  private issue(method: string, options: TokenOptions): Record<string, unknown> {
    this.logins[method] = (this.logins[method] ?? 0) + 1;
    const token = this.add(`hvs.${randomBytes(18).toString('base64url')}`, options);
    const entry = this.tokens.get(token)!;
    return this.authBlock(token, entry, entry.ttl);
  }

  /** sdk/logical translate_response.go HTTPAuth */
  private authBlock(token: string, entry: TokenEntry, ttl: number): Record<string, unknown> {
    return {
      client_token: token,
      accessor: entry.accessor,
      policies: entry.policies,
      token_policies: entry.policies,
      metadata: entry.meta,
      lease_duration: ttl,
      renewable: entry.renewable,
      entity_id: '',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  private kubernetesMount(mount: string) {
    let m = this.kubernetes.get(mount);
    if (!m) this.kubernetes.set(mount, (m = { roles: [] }));
    return m;
  }

  private jwtMount(mount: string) {
    let m = this.jwt.get(mount);
    if (!m) this.jwt.set(mount, (m = { roles: [] }));
    return m;
  }
}

/** getFieldValueStr in the Kubernetes plugin */
function requiredField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '') throw badRequest(`missing ${name}`);
  return value;
}

/** The service account a token names: the legacy claims, or the projected token's kubernetes.io block. */
function serviceAccountOf(claims: JwtClaims): { name: string; namespace: string; uid: string } {
  const projected = claims['kubernetes.io'] as { namespace?: string; serviceaccount?: { name?: string; uid?: string } } | undefined;
  return {
    name: String(projected?.serviceaccount?.name ?? claims['kubernetes.io/serviceaccount/service-account.name'] ?? ''),
    namespace: String(projected?.namespace ?? claims['kubernetes.io/serviceaccount/namespace'] ?? ''),
    uid: String(projected?.serviceaccount?.uid ?? claims['kubernetes.io/serviceaccount/service-account.uid'] ?? ''),
  };
}

/** strutil.StrListContainsGlob: a trailing or leading `*` glob. */
function globMatchAny(patterns: string[], value: string): boolean {
  return patterns.some((p) => {
    if (p === value) return true;
    if (!p.includes('*')) return false;
    const re = new RegExp(`^${p.split('*').map(escapeRe).join('.*')}$`);
    return re.test(value);
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const parts = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const target = path.split('/');
  if (!glob && parts.length !== target.length) return false;
  for (let i = 0; i < parts.length; i += 1) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    if (part === '+') {
      if (target[i] === undefined) return false;
      continue;
    }
    if (glob && last) return target.slice(i).join('/').startsWith(part);
    if (target[i] !== part) return false;
  }
  return true;
}

/** Vault picks the rule with the longest literal prefix; exact beats glob; the same pattern in two policies merges. */
function mostSpecific(rules: PathRule[], path: string): PathRule | undefined {
  const hits = rules.filter((r) => matches(r.path, path));
  const score = (r: PathRule) => r.path.replace(/[*+]/g, '').length * 2 + (r.path.endsWith('*') ? 0 : 1);
  const best = hits.sort((a, b) => score(b) - score(a))[0];
  if (!best) return undefined;
  const same = hits.filter((r) => r.path === best.path);
  return { path: best.path, capabilities: [...new Set(same.flatMap((r) => r.capabilities))] };
}
