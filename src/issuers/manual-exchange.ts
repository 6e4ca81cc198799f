/**
 * The `manual` issuer's optional exchange check. Main-account keys are made by hand in the
 * web UI, but an exchange may let any key report its own restrictions: with `exchange: NAME`,
 * verify asks the exchange with the key the operator entered, so a forgotten IP whitelist,
 * a ticked withdrawals box or a wrong permission is caught by the exchange itself instead of
 * by the operator's word. Each exchange that can do this has an entry in EXCHANGES.
 */
import type { IssuerConfig, Restrictions } from '../config/types.js';
import type { RunContext } from '../context.js';
import { errors, type KeyturnError } from '../errors.js';
import { binanceManualCheck } from './binance/manual-check.js';
import { stringOption } from './options.js';
import type { KeyMaterial } from '../model.js';

export interface ExchangeCheck {
  /** the exchange as log lines name it */
  readonly title: string;
  /** Asks the exchange with the entered key itself; throws EVERIFY when it differs from `declared`. */
  verify(material: KeyMaterial, declared: Restrictions, label: string, ctx: RunContext): Promise<void>;
}

/** Reads the exchange's own options of the issuer (refused with `bad`) when the issuer is built. */
export type ExchangeCheckFactory = (config: IssuerConfig, bad: (what: string) => KeyturnError) => ExchangeCheck;

const EXCHANGES: Record<string, ExchangeCheckFactory> = {
  binance: binanceManualCheck,
};

export function exchangeCheck(config: IssuerConfig): ExchangeCheck | undefined {
  const exchange = stringOption(config, 'exchange');
  const bad = (what: string) => errors.config(`issuer ${config.name} (manual): ${what}`);
  const names = Object.keys(EXCHANGES).join(' or ');
  if (exchange === undefined) {
    if (config.options.baseUrl !== undefined) throw bad(`option \`baseUrl\` needs \`exchange: ${names}\` (the exchange it points at)`);
    return undefined;
  }
  const factory = Object.hasOwn(EXCHANGES, exchange) ? EXCHANGES[exchange] : undefined;
  if (!factory) throw bad(`option \`exchange\` must be ${names} (the only exchange whose keys keyturn can check)`);
  return factory(config, bad);
}
