/**
 * The `manual` issuer's optional exchange check. Main-account keys are made by hand in the
 * web UI, but an exchange may let any key report its own restrictions: with `exchange: NAME`,
 * verify asks the exchange with the key the operator entered, so a forgotten IP whitelist,
 * a ticked withdrawals box or a wrong permission is caught by the exchange itself instead of
 * by the operator's word. Each exchange that can do this has an entry in CHECKS; its options
 * are parsed with the issuer's (manual-spec.ts).
 */
import { binanceManualCheck } from './binance/manual-check.js';
import type { ExchangeCheck, ManualExchange } from './manual-spec.js';

export type { ExchangeCheck } from './manual-spec.js';

const CHECKS: { [Name in ManualExchange['name']]: (endpoint: Extract<ManualExchange, { name: Name }>['endpoint']) => ExchangeCheck } = {
  binance: binanceManualCheck,
};

export function exchangeCheck(exchange: ManualExchange | undefined): ExchangeCheck | undefined {
  return exchange === undefined ? undefined : CHECKS[exchange.name](exchange.endpoint);
}
