/**
 * Every issuer type and what it declares: its options and a key's spec (src/issuers/spec.ts),
 * in modules light enough for config load: no exchange client, no AWS SDK. The registry loads the issuers
 * themselves under the same type names (its table is typed by this one).
 */
import { awsIamKind } from './aws-iam/spec.js';
import { binanceKind } from './binance/options.js';
import { commandKind } from './command-spec.js';
import { ed25519Kind } from './ed25519-spec.js';
import { manualKind } from './manual-spec.js';
import { postgresKind } from './postgres/options.js';
import { randomKind } from './random.js';
import type { IssuerKind } from './spec.js';

export const ISSUER_KINDS = {
  random: randomKind,
  ed25519: ed25519Kind,
  command: commandKind,
  manual: manualKind,
  binance: binanceKind,
  'aws-iam': awsIamKind,
  postgres: postgresKind,
} as const;

export type IssuerType = keyof typeof ISSUER_KINDS;

export function issuerKind(type: string): IssuerKind | undefined {
  return Object.hasOwn(ISSUER_KINDS, type) ? (ISSUER_KINDS[type as IssuerType] as IssuerKind) : undefined;
}
