/**
 * The binance issuer's identify() for `keyturn adopt`: GET /sapi/v1/account/apiRestrictions
 * read with the stored key itself (IP weight 1, no management call) answers `createTime`, the
 * key's creation in milliseconds. The key id is derived from the API key as create() derives it.
 */
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import type { IdentifiedKey, StoredKey } from '../types.js';
import { keyClient, readRestrictions, type Endpoint } from './verify.js';

export async function identifyWithKey(
  current: StoredKey,
  keyName: string,
  endpoint: Endpoint,
  keyIdOf: (apiKey: string) => string,
  ctx: RunContext,
): Promise<IdentifiedKey> {
  const apiKey = current.material.apiKey;
  if (!apiKey) {
    throw errors.issuer(`key ${keyName}: the stored credential has no apiKey field`, 'a Binance key is stored as apiKey and secret');
  }
  const keyId = keyIdOf(apiKey);
  const answer = await readRestrictions(keyClient(current.material, endpoint, ctx), `key ${keyName} (${keyId})`);
  const createTime = answer.createTime;
  // Binance has answered createTime in milliseconds since 2021; an answer without it leaves the date to the operator
  if (typeof createTime !== 'number' || !Number.isFinite(createTime) || createTime <= 0) return { keyId };
  return { keyId, createdAt: new Date(createTime).toISOString() };
}
