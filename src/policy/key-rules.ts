/**
 * Rules judged from one key's declaration: permissions, IP whitelist, period against tier.
 * Restriction rules apply to keys that declare permissions (exchange keys); a random
 * token or a signing key has no permissions to judge.
 */
import type { KeyConfig } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import { finding } from './finding.js';
import { tradingPermissions, whitelistProblems } from './permissions.js';
import { DAY_MS, effectivePeriodMs, TIER_MAX_PERIOD_MS } from './tiers.js';
import type { Finding } from './types.js';

/** Binance expires keys without an IP whitelist after 90 days (seed 002), and after 30 once trading is on (KEY-SECURITY-RULES.md). */
export const UNRESTRICTED_MAX_MS = 90 * DAY_MS;
export const UNRESTRICTED_TRADING_MAX_MS = 30 * DAY_MS;

/** The findings about one key, appended to out (a caller judging 10,000 keys passes one list). */
export function keyFindings(key: KeyConfig, out: Finding[] = []): Finding[] {
  periodRules(key, out);
  if (key.restrictions.permissions.length > 0) restrictionRules(key, out);
  if (key.holders.length === 0)
    out.push(
      finding(
        'no-holders',
        key,
        'no holders: `keyturn offboard` cannot find this key when someone leaves; list who can read it in `holders`',
      ),
    );
  return out;
}

function periodRules(key: KeyConfig, out: Finding[]): void {
  if (key.tier === undefined) return;
  if (key.tier === 'one-time') {
    if (key.ttlMs === undefined || key.periodMs !== undefined) {
      out.push(finding('period-exceeds-tier', key, 'a one-time key is deleted right after use: give it a `ttl` instead of a period'));
    }
    return;
  }
  const max = TIER_MAX_PERIOD_MS[key.tier]!;
  if (key.periodMs !== undefined && key.periodMs > max) {
    out.push(
      finding(
        'period-exceeds-tier',
        key,
        `period ${formatDuration(key.periodMs)} is longer than the ${key.tier} tier allows (${formatDuration(max)})`,
      ),
    );
  }
}

function restrictionRules(key: KeyConfig, out: Finding[]): void {
  const { permissions, ipWhitelist, allowWithdrawals, withdrawalAddressWhitelist, account } = key.restrictions;
  const trading = tradingPermissions(permissions);
  const whitelisted = ipWhitelist !== undefined && ipWhitelist.length > 0;

  if (permissions.includes('withdrawals')) {
    if (allowWithdrawals === true && (withdrawalAddressWhitelist?.length ?? 0) > 0) {
      out.push(
        finding(
          'withdrawals-enabled',
          key,
          'withdrawals are enabled (explicit override, withdrawal addresses whitelisted): rotate often and keep the address list short',
          'warn',
        ),
      );
    } else {
      const missing =
        allowWithdrawals === true ? 'a withdrawalAddressWhitelist' : 'allowWithdrawals: true and a withdrawalAddressWhitelist';
      out.push(
        finding(
          'withdrawals-enabled',
          key,
          `withdrawals are enabled: a leaked key can empty the account without 2FA; remove the permission, or declare ${missing}`,
        ),
      );
    }
  }

  const transfers = permissions.filter((p) => p === 'universal-transfer' || p === 'internal-transfer');
  if (transfers.length > 0)
    out.push(
      finding(
        'universal-transfer',
        key,
        `${transfers.join(' and ')} enabled: a leaked key can move funds between accounts; enable it only while it is needed`,
      ),
    );

  if (key.tier === 'read-only' && trading.length > 0) {
    out.push(finding('excess-permission', key, `a read-only key holds ${trading.join(', ')}: reading is all it needs`));
  }

  if (!whitelisted) {
    if (trading.length > 0)
      out.push(
        finding(
          'no-ip-whitelist',
          key,
          `a key with ${trading.join(', ')} has no IP whitelist: bind it to the servers that use it (restrictions.ipWhitelist)`,
        ),
      );
    else
      out.push(
        finding(
          'no-ip-whitelist-read',
          key,
          'a read-only key has no IP whitelist: anyone holding it can read balances and positions; bind it to its servers',
        ),
      );
  }

  if (ipWhitelist !== undefined) {
    const problems = whitelistProblems(ipWhitelist);
    if (problems.length > 0)
      out.push(finding('ip-list-invalid', key, `ipWhitelist is not accepted by the exchange: ${problems.join('; ')}`));
  }

  if (!whitelisted) {
    const period = effectivePeriodMs(key);
    if (period !== undefined && trading.length > 0 && period > UNRESTRICTED_TRADING_MAX_MS) {
      out.push(
        finding(
          'unrestricted-expiry',
          key,
          `without an IP whitelist a trading key stops working after ${formatDuration(UNRESTRICTED_TRADING_MAX_MS)}, ` +
            `before its period of ${formatDuration(period)}: ` +
            `add a whitelist or rotate within ${formatDuration(UNRESTRICTED_TRADING_MAX_MS)}`,
        ),
      );
    } else if (period !== undefined && period > UNRESTRICTED_MAX_MS) {
      out.push(
        finding(
          'unrestricted-expiry',
          key,
          `without an IP whitelist the key expires at the exchange after ${formatDuration(UNRESTRICTED_MAX_MS)}, ` +
            `before its period of ${formatDuration(period)}: add a whitelist or rotate within ${formatDuration(UNRESTRICTED_MAX_MS)}`,
        ),
      );
    }
  }

  if (account === 'main' && trading.length > 0) {
    out.push(
      finding(
        'main-account-key',
        key,
        "a trading key on the main account: run the strategy on a sub-account so a leak only reaches that account's funds",
      ),
    );
  }
}
