/**
 * The `manual` issuer's options and key spec, apart from manual.ts so that config load can
 * judge them without loading the exchange client.
 * options: instructions; exchange: binance with that exchange's endpoint options (baseUrl,
 *   sourceAddress, recvWindow), so verify can ask the exchange (manual-exchange.ts).
 * spec: apiKeyPattern and secretPattern, regular expressions the whole entered value must match.
 */
import { OptionReader } from '../adapters/option-reader.js';
import type { KeyConfig, Restrictions } from '../config/types.js';
import type { RunContext } from '../context.js';
import type { KeyMaterial } from '../model.js';
import { readEndpointOptions, type BinanceEndpointOptions } from './binance/options.js';
import { specOrThrow, unknownFields, type IssuerKind, type Report } from './spec.js';

/** The exchanges whose keys can report their own restrictions, with their endpoint options. */
export type ManualExchange = { name: 'binance'; endpoint: BinanceEndpointOptions };

/** What the manual issuer's verify asks of an exchange (built in manual-exchange.ts). */
export interface ExchangeCheck {
  /** the exchange as log lines name it */
  readonly title: string;
  /** Asks the exchange with the entered key itself; throws EVERIFY when it differs from `declared`. */
  verify(material: KeyMaterial, declared: Restrictions, label: string, ctx: RunContext): Promise<void>;
}

export interface ManualOptions {
  instructions?: string;
  exchange?: ManualExchange;
}

const EXCHANGE_OPTIONS = { binance: readEndpointOptions } as const;
const ENDPOINT_FIELDS = ['baseUrl', 'sourceAddress', 'recvWindow'];

function parseOptions(raw: Record<string, unknown>, report: Report): ManualOptions | undefined {
  const o = new OptionReader(raw, report);
  const options: ManualOptions = { instructions: o.text('instructions') };
  const exchange = o.text('exchange');
  const names = Object.keys(EXCHANGE_OPTIONS).join(' or ');
  if (exchange === undefined) {
    for (const field of ENDPOINT_FIELDS)
      if (raw[field] !== undefined) o.problem([field], `needs \`exchange: ${names}\` (the exchange it points at)`);
  } else if (exchange === 'binance') {
    const endpoint = EXCHANGE_OPTIONS.binance(o);
    if (endpoint) options.exchange = { name: 'binance', endpoint };
  } else {
    o.problem(['exchange'], `must be ${names} (the only exchange whose keys keyturn can check)`);
  }
  return o.ok ? options : undefined;
}

export interface ManualSpec {
  apiKey?: RegExp;
  secret?: RegExp;
}

const PATTERNS = { apiKeyPattern: 'apiKey', secretPattern: 'secret' } as const;

export const manualKind: IssuerKind<ManualSpec, ManualOptions> = {
  parseOptions,
  parseSpec(spec, _options, report) {
    let ok = !unknownFields(spec, Object.keys(PATTERNS), 'manual', report);
    const out: ManualSpec = {};
    for (const [name, field] of Object.entries(PATTERNS)) {
      const raw = spec[name];
      if (raw === undefined) continue;
      if (typeof raw !== 'string') {
        report([name], 'must be a string (a regular expression)');
        ok = false;
        continue;
      }
      try {
        out[field] = new RegExp(`^(?:${raw})$`);
      } catch {
        report([name], 'is not a valid regular expression');
        ok = false;
      }
    }
    return ok ? out : undefined;
  },
  fields: () => ['apiKey', 'secret'],
};

export function parseManualSpec(key: KeyConfig): ManualSpec {
  return specOrThrow(manualKind, key, {});
}
