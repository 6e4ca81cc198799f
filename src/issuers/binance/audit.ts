/**
 * The binance issuer's live audit of a key: GET /sapi/v1/account/apiRestrictions with the
 * material in the store. The management list does not show withdrawals or internal
 * transfer; the key read with itself does.
 */
import type { KeyConfig } from '../../config/types.js';
import type { RunContext } from '../../context.js';
import { driftFindings } from '../../policy/index.js';
import { finding } from '../../policy/finding.js';
import type { Finding } from '../../policy/types.js';
import type { StoredKey } from '../types.js';
import { permissionsOfRestrictions } from './permissions.js';
import { keyClient, readRestrictions, type Endpoint } from './verify.js';

export async function auditWithKey(current: StoredKey, key: KeyConfig, endpoint: Endpoint, ctx: RunContext): Promise<Finding[]> {
  let answer: Record<string, unknown>;
  try {
    answer = await readRestrictions(keyClient(current.material, endpoint, ctx), `key ${key.id} (${current.keyId})`);
  } catch (error) {
    return [finding('permission-drift', key, error instanceof Error ? error.message : String(error), 'error')];
  }
  const out: Finding[] = [];
  if (answer.enableWithdrawals === true) {
    const message = `withdrawals are enabled on ${current.keyId} at the exchange: turn them off (or revoke the key) now`;
    out.push(finding('withdrawals-enabled', key, message, 'error'));
  }
  // Binance keeps reading on for every key: drift only when rotation.yaml speaks of it
  const permissions = permissionsOfRestrictions(answer).filter((p) => p !== 'reading' || key.restrictions.permissions.includes('reading'));
  out.push(...driftFindings(key, { permissions }));
  return out;
}
