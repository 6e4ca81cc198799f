/**
 * The binance issuer's options (rotation.yaml `issuers.NAME`) and a key's spec. The
 * management key is named by store and path, never written here.
 *
 * options: baseUrl (default https://api.binance.com), variant (sub-account | broker),
 *   managementKey { store, path }, sourceAddress (local address calls leave from),
 *   recvWindow, timeout, maxRetryWait.
 * spec: email (sub-account) or subAccountId (broker); keyType hmac | ed25519.
 */
import type { IssuerConfig, KeyConfig } from '../../config/types.js';
import { errors } from '../../errors.js';
import { durationOption, stringOption } from '../options.js';

export interface BinanceOptions {
  baseUrl: string;
  variant: 'sub-account' | 'broker';
  managementKey: { store: string; path: string };
  sourceAddress?: string;
  recvWindowMs: number;
  timeoutMs: number;
  maxRetryWaitMs: number;
}

export function parseOptions(config: IssuerConfig): BinanceOptions {
  const bad = (what: string) => errors.config(`issuer ${config.name} (binance): ${what}`);
  const baseUrl = stringOption(config, 'baseUrl') ?? 'https://api.binance.com';
  try {
    new URL(baseUrl);
  } catch {
    throw bad('option `baseUrl` is not a URL');
  }
  const variant = stringOption(config, 'variant') ?? 'sub-account';
  if (variant !== 'sub-account' && variant !== 'broker') throw bad('option `variant` must be sub-account or broker');
  const mk = config.options.managementKey as Record<string, unknown> | undefined;
  if (!mk || typeof mk.store !== 'string' || typeof mk.path !== 'string') {
    throw bad('option `managementKey` needs { store, path }: where the master account\'s management key is kept (never its value)');
  }
  const recvWindowMs = durationOption(config, 'recvWindow', 5000);
  if (recvWindowMs > 60_000) throw bad('option `recvWindow` must be at most 60s (Binance refuses more)');
  return {
    baseUrl,
    variant,
    managementKey: { store: mk.store, path: mk.path },
    sourceAddress: stringOption(config, 'sourceAddress'),
    recvWindowMs,
    timeoutMs: durationOption(config, 'timeout', 15_000),
    maxRetryWaitMs: durationOption(config, 'maxRetryWait', 10_000),
  };
}

export interface KeySpec {
  /** sub-account email (variant sub-account) */
  email?: string;
  /** broker sub-account id (variant broker) */
  subAccountId?: string;
  keyType: 'hmac' | 'ed25519';
}

export function parseSpec(key: KeyConfig, variant: BinanceOptions['variant']): KeySpec {
  const where = `${key.position.file}:${key.position.line}:${key.position.column}`;
  const { email, subAccountId, keyType = 'hmac' } = key.spec;
  if (keyType !== 'hmac' && keyType !== 'ed25519') throw errors.config(`key ${key.id}: spec.keyType must be hmac or ed25519`, where);
  if (variant === 'sub-account' && typeof email !== 'string') throw errors.config(`key ${key.id}: spec.email (the sub-account's email) is required`, where);
  if (variant === 'broker' && typeof subAccountId !== 'string' && typeof subAccountId !== 'number') {
    throw errors.config(`key ${key.id}: spec.subAccountId is required by the broker variant`, where);
  }
  return { email: typeof email === 'string' ? email : undefined, subAccountId: subAccountId === undefined ? undefined : String(subAccountId), keyType };
}
