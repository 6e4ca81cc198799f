/**
 * Binance's entry in the `manual` issuer's exchange table: any Binance key reports its own
 * restrictions (apiRestrictions), so a main-account key made by hand is checked by the
 * exchange with the same verify as the binance issuer's keys.
 *
 * options: baseUrl (default https://api.binance.com), sourceAddress, recvWindow. No timeout
 *   option: `manual` has none (it waits for a person); calls use 15s.
 */
import type { ExchangeCheckFactory } from '../manual-exchange.js';
import { durationOption, stringOption } from '../options.js';
import { verifyWithKey, type Endpoint } from './verify.js';

export const binanceManualCheck: ExchangeCheckFactory = (config, bad) => {
  const baseUrl = stringOption(config, 'baseUrl') ?? 'https://api.binance.com';
  try {
    new URL(baseUrl);
  } catch {
    throw bad('option `baseUrl` is not a URL');
  }
  const recvWindowMs = durationOption(config, 'recvWindow', 5000);
  if (recvWindowMs > 60_000) throw bad('option `recvWindow` must be at most 60s (Binance refuses more)');
  const endpoint: Endpoint = { baseUrl, sourceAddress: stringOption(config, 'sourceAddress'), recvWindowMs, timeoutMs: 15_000 };
  return {
    title: 'Binance',
    verify: (material, declared, label, ctx) => verifyWithKey(material, declared, endpoint, label, ctx),
  };
};
