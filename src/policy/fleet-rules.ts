/** Rules that compare keys with each other: one key per purpose, keys per exchange account. */
import type { Config, KeyConfig } from '../config/types.js';
import { finding } from './finding.js';
import type { Finding } from './types.js';
import { issuerKind } from '../issuers/kinds.js';

/** Binance allows 30 API keys per account (seed 002). */
export const MAX_KEYS_PER_ACCOUNT = 30;

/** Purposes compare without case and extra whitespace. */
export function purposeKey(purpose: string): string {
  const lower = purpose.toLowerCase();
  // most purposes are already single-spaced: skip the replace (and its allocation) for them
  return /\s\s|^\s|\s$|[^\S ]/.test(lower) ? lower.trim().replace(/\s+/g, ' ') : lower;
}

export function sharedPurposeFindings(keys: readonly KeyConfig[]): Finding[] {
  const byPurpose = new Map<string, KeyConfig[]>();
  for (const key of keys) {
    const norm = purposeKey(key.purpose);
    const group = byPurpose.get(norm);
    if (group) group.push(key);
    else byPurpose.set(norm, [key]);
  }
  const out: Finding[] = [];
  for (const group of byPurpose.values()) {
    if (group.length < 2) continue;
    for (const key of group) {
      const others = group.filter((other) => other !== key).map((other) => other.id);
      const named = others.length > 5 ? `${others.slice(0, 5).join(', ')} and ${others.length - 5} more` : others.join(', ');
      out.push(
        finding('shared-purpose', key, `same purpose as ${named}: one key per purpose, so a leak or an offboarding touches one thing`),
      );
    }
  }
  return out;
}

/** The exchange account a key lives in, or undefined when the key is no exchange key. */
export function accountOf(key: KeyConfig, config: Config): string | undefined {
  const type = config.issuers[key.issuer]?.type;
  const exchange = type !== undefined && issuerKind(type)?.exchangeAccounts === true;
  if (key.restrictions.permissions.length === 0 && !exchange) return undefined;
  const spec = key.spec;
  const account = spec.subAccount ?? spec.account ?? spec.email ?? spec.subAccountId;
  return `${key.issuer}/${typeof account === 'string' || typeof account === 'number' ? String(account) : 'main'}`;
}

/**
 * Keys beyond the 30th of one account (in file order) are the ones that cannot exist:
 * those are reported, so the keys already in place keep rotating.
 */
export function keyCountFindings(config: Config): Finding[] {
  const byAccount = new Map<string, KeyConfig[]>();
  for (const key of config.keys) {
    const account = accountOf(key, config);
    if (account === undefined) continue;
    const group = byAccount.get(account);
    if (group) group.push(key);
    else byAccount.set(account, [key]);
  }
  const out: Finding[] = [];
  for (const [account, group] of byAccount) {
    if (group.length <= MAX_KEYS_PER_ACCOUNT) continue;
    group.slice(MAX_KEYS_PER_ACCOUNT).forEach((key, i) => {
      out.push(
        finding(
          'key-count',
          key,
          `key ${MAX_KEYS_PER_ACCOUNT + i + 1} of ${group.length} declared for account ${account}: ` +
            `the exchange allows ${MAX_KEYS_PER_ACCOUNT} per account; move keys to a sub-account or retire some`,
        ),
      );
    });
  }
  return out;
}
