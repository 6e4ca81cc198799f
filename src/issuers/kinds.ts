/**
 * Every issuer type and what it declares about a key (src/issuers/spec.ts), in modules light
 * enough for config load: no exchange client, no AWS SDK. The registry loads the issuers
 * themselves under the same type names (its table is typed by this one).
 */
import { awsIamKind } from './aws-iam/spec.js';
import { binanceKind } from './binance/options.js';
import { manualKind } from './manual-spec.js';
import { randomKind } from './random.js';
import { unknownFields, type IssuerKind } from './spec.js';

/** Generated locally; the spec has nothing to say. */
const ed25519Kind: IssuerKind<Record<string, never>> = {
  parseSpec: (spec, _options, report) => (unknownFields(spec, [], 'ed25519', report) ? undefined : {}),
  fields: () => ['privateKey'],
};

/**
 * The spec goes to the create script as KEYTURN_SPEC, whatever it holds. The material is
 * whatever create prints: known in advance only when the issuer declares `fields`.
 */
const commandKind: IssuerKind<Record<string, unknown>> = {
  parseSpec: (spec) => spec,
  fields: (_spec, options) =>
    Array.isArray(options.fields) ? options.fields.filter((field): field is string => typeof field === 'string') : undefined,
};

export const ISSUER_KINDS = {
  random: randomKind,
  ed25519: ed25519Kind,
  command: commandKind,
  manual: manualKind,
  binance: binanceKind,
  'aws-iam': awsIamKind,
} as const;

export type IssuerType = keyof typeof ISSUER_KINDS;

export function issuerKind(type: string): IssuerKind | undefined {
  return Object.hasOwn(ISSUER_KINDS, type) ? (ISSUER_KINDS[type as IssuerType] as unknown as IssuerKind) : undefined;
}
