/**
 * Tokens and their path policies, and AppRole login. A policy is a list of path rules as in
 * Vault's HCL (a trailing `*` is a prefix match, `+` one segment); the most specific matching
 * rule decides, and `deny` wins. Enough to prove keyturn's 403 handling, not Vault's ACL engine.
 */
import { randomBytes } from 'node:crypto';
import { VaultHttpError, permissionDenied } from './http-error.js';

export type Capability = 'create' | 'read' | 'update' | 'delete' | 'list' | 'sudo' | 'deny';

export interface PathRule {
  path: string;
  capabilities: Capability[];
}

export interface TokenOptions {
  /** undefined: root (everything allowed) */
  rules?: PathRule[];
  /** seconds; 0 never expires */
  ttl?: number;
  renewable?: boolean;
  /** what renew-self may extend to, in seconds from now */
  maxTtl?: number;
}

interface TokenEntry extends Required<Omit<TokenOptions, 'rules'>> {
  rules?: PathRule[];
  expiresAt: number;
  accessor: string;
}

export interface AppRole {
  roleId: string;
  secretId: string;
  token: TokenOptions;
}

export class TokenTable {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly roles: AppRole[] = [];
  /** renew-self calls answered, for the renewal tests */
  renewals = 0;

  constructor(private readonly now: () => number = Date.now) {}

  add(token: string, options: TokenOptions = {}): string {
    const ttl = options.ttl ?? 0;
    this.tokens.set(token, {
      rules: options.rules,
      ttl,
      renewable: options.renewable ?? ttl > 0,
      maxTtl: options.maxTtl ?? 0,
      expiresAt: ttl > 0 ? this.now() + ttl * 1000 : 0,
      accessor: randomBytes(12).toString('base64url'),
    });
    return token;
  }

  addRole(role: AppRole): void {
    this.roles.push(role);
  }

  login(
    roleId: unknown,
    secretId: unknown,
  ): { client_token: string; accessor: string; policies: string[]; lease_duration: number; renewable: boolean } {
    const role = this.roles.find((r) => r.roleId === roleId && r.secretId === secretId);
    if (!role) throw new VaultHttpError(400, ['invalid role or secret ID']);
    const token = this.add(`hvs.${randomBytes(18).toString('base64url')}`, role.token);
    const entry = this.tokens.get(token)!;
    return { client_token: token, accessor: entry.accessor, policies: ['default'], lease_duration: entry.ttl, renewable: entry.renewable };
  }

  /** The token's entry, or 403 when it is missing, unknown or expired. */
  check(token: string | undefined): TokenEntry {
    const entry = token === undefined ? undefined : this.tokens.get(token);
    if (!entry || (entry.expiresAt > 0 && entry.expiresAt <= this.now())) throw permissionDenied();
    return entry;
  }

  lookup(token: string): Record<string, unknown> {
    const entry = this.check(token);
    const ttl = entry.expiresAt === 0 ? 0 : Math.max(0, Math.round((entry.expiresAt - this.now()) / 1000));
    return {
      accessor: entry.accessor,
      ttl,
      renewable: entry.renewable,
      policies: entry.rules ? ['default'] : ['root'],
      creation_ttl: entry.ttl,
    };
  }

  renew(
    token: string,
    increment?: number,
  ): { lease_duration: number; renewable: boolean; client_token: string; accessor: string; policies: string[] } {
    const entry = this.check(token);
    if (!entry.renewable) throw new VaultHttpError(400, ['lease is not renewable']);
    this.renewals += 1;
    let ttl = increment && increment > 0 ? increment : entry.ttl;
    if (entry.maxTtl > 0) ttl = Math.min(ttl, entry.maxTtl);
    entry.expiresAt = this.now() + ttl * 1000;
    return { client_token: token, accessor: entry.accessor, policies: ['default'], lease_duration: ttl, renewable: entry.renewable };
  }

  /** Throws 403 unless the token may use `capability` on `path` (the API path without /v1/). */
  authorize(token: string | undefined, path: string, capability: Capability): void {
    const entry = this.check(token);
    if (!entry.rules) return;
    const rule = mostSpecific(entry.rules, path);
    if (!rule || rule.capabilities.includes('deny') || !rule.capabilities.includes(capability)) throw permissionDenied();
  }
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

/** Vault picks the rule with the longest literal prefix; exact beats glob. */
function mostSpecific(rules: PathRule[], path: string): PathRule | undefined {
  const hits = rules.filter((r) => matches(r.path, path));
  const score = (r: PathRule) => r.path.replace(/[*+]/g, '').length * 2 + (r.path.endsWith('*') ? 0 : 1);
  return hits.sort((a, b) => score(b) - score(a))[0];
}
