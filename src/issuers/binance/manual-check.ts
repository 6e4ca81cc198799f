/**
 * Binance's entry in the `manual` issuer's exchange table: any Binance key reports its own
 * restrictions (apiRestrictions), so a main-account key made by hand is checked by the
 * exchange with the same verify as the binance issuer's keys.
 *
 * options (parsed by readEndpointOptions): baseUrl (default https://api.binance.com),
 *   sourceAddress, recvWindow. No timeout option: `manual` has none (it waits for a person);
 *   calls use 15s.
 */
import type { ExchangeCheck } from '../manual-spec.js';
import type { BinanceEndpointOptions } from './options.js';
import { verifyWithKey, type Endpoint } from './verify.js';

export function binanceManualCheck(options: BinanceEndpointOptions): ExchangeCheck {
  const endpoint: Endpoint = { ...options, timeoutMs: 15_000 };
  return {
    title: 'Binance',
    verify: (material, declared, label, ctx) => verifyWithKey(material, declared, endpoint, label, ctx),
  };
}
