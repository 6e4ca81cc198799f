/**
 * A Binance key read with itself: GET /sapi/v1/account/apiRestrictions with the material
 * in the store. The management list does not show withdrawals or internal transfer; this does.
 */
import type { Config, KeyConfig } from '../config/types.js';
import { refOf, type Resources } from '../engine/job.js';
import { permissionsOfRestrictions } from '../issuers/binance/permissions.js';
import { keyClient, readRestrictions } from '../issuers/binance/verify.js';
import { driftFindings } from '../policy/index.js';
import { finding } from '../policy/finding.js';
import type { Finding } from '../policy/types.js';

export async function verifyWithKeyAnswer(key: KeyConfig, config: Config, res: Resources): Promise<Finding[]> {
  const current = await (await res.store(key.store)).current(refOf(key));
  if (!current) return [];
  const options = config.issuers[key.issuer]!.options;
  const endpoint = { baseUrl: String(options.baseUrl ?? 'https://api.binance.com'), sourceAddress: typeof options.sourceAddress === 'string' ? options.sourceAddress : undefined };
  let answer: Record<string, unknown>;
  try {
    answer = await readRestrictions(keyClient(current.material, endpoint, res.ctx), `key ${key.id} (${current.keyId})`);
  } catch (error) {
    return [finding('permission-drift', key, error instanceof Error ? error.message : String(error), 'error')];
  }
  const out: Finding[] = [];
  if (answer.enableWithdrawals === true) out.push(finding('withdrawals-enabled', key, `withdrawals are enabled on ${current.keyId} at the exchange: turn them off (or revoke the key) now`, 'error'));
  out.push(...driftFindings(key, { permissions: permissionsOfRestrictions(answer).filter((p) => p !== 'reading' || key.restrictions.permissions.includes('reading')) }));
  return out;
}
