/**
 * The `manual` issuer's optional exchange check. Main-account keys are made by hand in the
 * web UI, but Binance lets any key report its own restrictions: with `exchange: binance`,
 * verify asks apiRestrictions with the key the operator entered, so a forgotten IP
 * whitelist, a ticked withdrawals box or a wrong permission is caught by the exchange itself
 * instead of by the operator's word.
 *
 * options: exchange (binance), baseUrl (default https://api.binance.com), sourceAddress,
 *   recvWindow. No timeout option: `manual` has none (it waits for a person); calls use 15s.
 */
import type { IssuerConfig } from '../config/types.js';
import { errors } from '../errors.js';
import type { Endpoint } from './binance/verify.js';
import { durationOption, stringOption } from './options.js';

export function exchangeEndpoint(config: IssuerConfig): Endpoint | undefined {
  const exchange = stringOption(config, 'exchange');
  const bad = (what: string) => errors.config(`issuer ${config.name} (manual): ${what}`);
  if (exchange === undefined) {
    if (config.options.baseUrl !== undefined) throw bad('option `baseUrl` needs `exchange: binance` (the exchange it points at)');
    return undefined;
  }
  if (exchange !== 'binance') throw bad('option `exchange` must be binance (the only exchange whose keys keyturn can check)');
  const baseUrl = stringOption(config, 'baseUrl') ?? 'https://api.binance.com';
  try {
    new URL(baseUrl);
  } catch {
    throw bad('option `baseUrl` is not a URL');
  }
  const recvWindowMs = durationOption(config, 'recvWindow', 5000);
  if (recvWindowMs > 60_000) throw bad('option `recvWindow` must be at most 60s (Binance refuses more)');
  return { baseUrl, sourceAddress: stringOption(config, 'sourceAddress'), recvWindowMs, timeoutMs: 15_000 };
}
