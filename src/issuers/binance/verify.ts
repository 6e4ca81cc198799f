/**
 * The smoke test Binance makes possible for any key, whoever created it: with the key
 * itself, GET /sapi/v1/account/apiRestrictions must show the IP restriction on, withdrawals
 * off and exactly the declared permissions; then a signed account read must work from here.
 * Used by the binance issuer and by `manual` for main-account keys.
 */
import type { Restrictions } from '../../config/types.js';
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import { BinanceApiError, adviceFor } from './api-error.js';
import { BinanceClient } from './client.js';
import { expectedPermissions, permissionsOfRestrictions, sameSet } from './permissions.js';
import { signerFor } from './signing.js';

export interface Endpoint {
  baseUrl: string;
  sourceAddress?: string;
  recvWindowMs?: number;
  timeoutMs?: number;
  maxRetryWaitMs?: number;
}

export function keyClient(material: Record<string, string>, endpoint: Endpoint, ctx: RunContext): BinanceClient {
  const signer = signerFor(material);
  if (!material.apiKey || !signer) throw errors.verify('the key material needs `apiKey` and `secret` (or `privateKey` for Ed25519)');
  ctx.redactor.add(...Object.values(material));
  return new BinanceClient({
    baseUrl: endpoint.baseUrl,
    apiKey: material.apiKey,
    signer,
    localAddress: endpoint.sourceAddress,
    recvWindowMs: endpoint.recvWindowMs ?? 5000,
    timeoutMs: endpoint.timeoutMs ?? 15_000,
    maxRetryWaitMs: endpoint.maxRetryWaitMs ?? 10_000,
    logger: ctx.logger,
  });
}

/** The live restrictions answer, or an EVERIFY an operator can act on. */
export async function readRestrictions(client: BinanceClient, label: string): Promise<Record<string, unknown>> {
  try {
    return (await client.call('GET', '/sapi/v1/account/apiRestrictions', {}, { weight: 1 })) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof BinanceApiError) throw errors.verify(`${label}: apiRestrictions refused: ${error.message}`, adviceFor(error));
    throw error;
  }
}

/** Differences between the live answer and the declaration, as sentences; [] when it matches. */
export function restrictionProblems(answer: Record<string, unknown>, declared: Restrictions): string[] {
  const problems: string[] = [];
  const wantsWhitelist = (declared.ipWhitelist?.length ?? 0) > 0;
  if (wantsWhitelist && answer.ipRestrict !== true) {
    problems.push('ipRestrict is not true: the key is not bound to the declared IP whitelist');
  }
  if (answer.enableWithdrawals !== false) problems.push('enableWithdrawals is not false: withdrawals are (or may be) on');
  const live = permissionsOfRestrictions(answer);
  const expected = expectedPermissions(declared);
  if (!sameSet(live, expected)) problems.push(`permissions are ${live.join(', ') || 'none'}, declared ${expected.join(', ')}`);
  return problems;
}

export async function verifyWithKey(
  material: Record<string, string>,
  declared: Restrictions,
  endpoint: Endpoint,
  label: string,
  ctx: RunContext,
): Promise<void> {
  const client = keyClient(material, endpoint, ctx);
  const answer = await readRestrictions(client, label);
  const problems = restrictionProblems(answer, declared);
  if (problems.length) {
    const hint = 'fix the key at Binance (API Management → Edit restrictions) or rotation.yaml, then rotate again';
    throw errors.verify(`${label}: ${problems.join('; ')}`, hint);
  }
  try {
    await client.call('GET', '/api/v3/account', {}, { weight: 20 });
  } catch (error) {
    if (error instanceof BinanceApiError) {
      throw errors.verify(`${label}: a signed account read failed: ${error.message}`, adviceFor(error));
    }
    throw error;
  }
}
