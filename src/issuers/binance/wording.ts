/**
 * A key's declared restrictions in the words of Binance's web UI (API Management → Edit
 * restrictions), so an operator creating a key by hand ticks exactly the right boxes.
 * Withdrawals are only ever suggested with the reviewed override (rule withdrawals-enabled).
 */
import type { Permission, Restrictions } from '../../config/types.js';

/** The checkbox for each permission, lowest risk first, as the UI words it. */
export const BINANCE_PERMISSION_LABELS: ReadonlyArray<readonly [Permission, string]> = [
  ['reading', 'Enable Reading'],
  ['spot', 'Enable Spot & Margin Trading'],
  ['margin', 'Enable Margin Loan, Repay & Transfer'],
  ['futures', 'Enable Futures'],
  ['options', 'Enable Vanilla Options'],
  ['universal-transfer', 'Permits Universal Transfer'],
  ['internal-transfer', 'Enable Internal Transfer'],
  ['withdrawals', 'Enable Withdrawals'],
];

export const TRUSTED_IPS_OPTION = 'Restrict access to trusted IPs only (Recommended)';

export interface BinanceSettings {
  /** checkboxes to tick */
  turnOn: string[];
  /** checkboxes to leave unticked */
  leaveOff: string[];
  /** IPv4 addresses for the trusted-IP list; empty = no whitelist declared */
  trustedIps: string[];
  /** things the operator must know (withdrawals refused, no whitelist, …) */
  warnings: string[];
}

export function binanceSettings(restrictions: Restrictions | undefined): BinanceSettings {
  const declared = new Set(restrictions?.permissions ?? []);
  const withdrawalsAllowed = restrictions?.allowWithdrawals === true;
  const warnings: string[] = [];
  if (declared.has('withdrawals') && !withdrawalsAllowed) {
    warnings.push('rotation.yaml lists withdrawals without the reviewed override (allowWithdrawals): leave "Enable Withdrawals" off');
  }
  // Binance keeps reading on for every key, declared or not
  declared.add('reading');
  const turnOn: string[] = [];
  const leaveOff: string[] = [];
  for (const [permission, label] of BINANCE_PERMISSION_LABELS) {
    const on = declared.has(permission) && (permission !== 'withdrawals' || withdrawalsAllowed);
    (on ? turnOn : leaveOff).push(label);
  }
  const trustedIps = restrictions?.ipWhitelist ?? [];
  if (trustedIps.length === 0) {
    warnings.push(
      'no IP whitelist is declared: Binance expires unrestricted keys after 90 days, ' +
        'and anyone holding the secret can use it from anywhere',
    );
  }
  if (turnOn.includes('Enable Withdrawals')) {
    const addresses = restrictions?.withdrawalAddressWhitelist ?? [];
    warnings.push(
      addresses.length > 0
        ? `withdrawals are allowed by override: turn on the withdrawal address whitelist with only ${addresses.join(', ')}`
        : 'withdrawals are allowed by override but no withdrawal address whitelist is declared: stop and fix rotation.yaml',
    );
  }
  return { turnOn, leaveOff, trustedIps, warnings };
}

/** "Yes — Enable Reading" / "No  — Enable Withdrawals" lines, in the UI's order. */
export function restrictionLines(settings: BinanceSettings): string[] {
  const lines: string[] = [];
  for (const [, label] of BINANCE_PERMISSION_LABELS) {
    if (settings.turnOn.includes(label)) lines.push(`Yes — ${label}`);
    else lines.push(`No  — ${label}`);
  }
  return lines;
}

/** The IP-access step in the UI's words: a sentence, then the addresses (one per line, as the UI wants them). */
export function ipAccessLines(settings: BinanceSettings): string[] {
  if (settings.trustedIps.length === 0) return ['IP access restrictions: none declared (see the warning below)'];
  return [`IP access restrictions: choose "${TRUSTED_IPS_OPTION}" and enter, one per line:`, ...settings.trustedIps];
}
