/**
 * keyturn's permission names ↔ Binance's flags: the can* parameters of a create and the
 * enable* fields of /sapi/v1/account/apiRestrictions. Reading is always on at Binance.
 */
import type { Permission, Restrictions } from '../../config/types.js';

/** Create parameters per permission; internal transfer and withdrawals have none (web UI only). */
export const CREATE_FLAGS: ReadonlyArray<readonly [Permission, string]> = [
  ['spot', 'canTrade'],
  ['margin', 'canMarginLoanRepay'],
  ['futures', 'canFuturesTrade'],
  ['universal-transfer', 'canUniversalTransfer'],
  ['options', 'canVanillaOptions'],
];

const RESTRICTION_FIELDS: ReadonlyArray<readonly [Permission, string]> = [
  ['reading', 'enableReading'],
  ['spot', 'enableSpotAndMarginTrading'],
  ['margin', 'enableMargin'],
  ['futures', 'enableFutures'],
  ['options', 'enableVanillaOptions'],
  ['universal-transfer', 'permitsUniversalTransfer'],
  ['internal-transfer', 'enableInternalTransfer'],
  ['withdrawals', 'enableWithdrawals'],
];

export function createFlags(restrictions: Restrictions): Record<string, boolean> {
  const declared = new Set(restrictions.permissions);
  return Object.fromEntries(CREATE_FLAGS.map(([permission, flag]) => [flag, declared.has(permission)]));
}

/** Permissions that no create parameter can grant: declaring them cannot be honoured by this issuer. */
export function unsupportedPermissions(restrictions: Restrictions): Permission[] {
  return restrictions.permissions.filter((p) => p === 'withdrawals' || p === 'internal-transfer');
}

/** What Binance will show for a key created from these restrictions (reading included). */
export function expectedPermissions(restrictions: Restrictions): Permission[] {
  return [...new Set<Permission>(['reading', ...restrictions.permissions])];
}

/** Permissions an apiRestrictions answer grants (every field optional: absent = off). */
export function permissionsOfRestrictions(answer: Record<string, unknown>): Permission[] {
  return RESTRICTION_FIELDS.filter(([, field]) => answer[field] === true).map(([permission]) => permission);
}

/** Permissions of a listed key's can* flags (the list does not show withdrawals). */
export function permissionsOfFlags(listed: Record<string, unknown>): Permission[] {
  return ['reading' as Permission, ...CREATE_FLAGS.filter(([, flag]) => listed[flag] === true).map(([permission]) => permission)];
}

export function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
}
