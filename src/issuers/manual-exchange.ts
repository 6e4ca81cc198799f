/**
 * The `manual` issuer's optional exchange check. Main-account keys are made by hand in the
 * web UI, but an exchange may let any key report its own restrictions: with `exchange: NAME`,
 * verify asks the exchange with the key the operator entered, so a forgotten IP whitelist,
 * a ticked withdrawals box or a wrong permission is caught by the exchange itself instead of
 * by the operator's word. Each exchange that can do this has an entry in CHECKS; its options
 * are parsed with the issuer's (manual-spec.ts).
 */
import type { Restrictions } from '../config/types.js';
import type { RunContext } from '../context.js';
import { binanceManualCheck } from './binance/manual-check.js';
import type { ManualExchange } from './manual-spec.js';
import type { KeyMaterial } from '../model.js';

export interface ExchangeCheck {
  /** the exchange as log lines name it */
  readonly title: string;
  /** Asks the exchange with the entered key itself; throws EVERIFY when it differs from `declared`. */
  verify(material: KeyMaterial, declared: Restrictions, label: string, ctx: RunContext): Promise<void>;
}

const CHECKS: { [Name in ManualExchange['name']]: (endpoint: Extract<ManualExchange, { name: Name }>['endpoint']) => ExchangeCheck } = {
  binance: binanceManualCheck,
};

export function exchangeCheck(exchange: ManualExchange | undefined): ExchangeCheck | undefined {
  return exchange === undefined ? undefined : CHECKS[exchange.name](exchange.endpoint);
}
