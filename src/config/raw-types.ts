/**
 * rotation.yaml as written (after interpolation), in the shape config/rotation.schema.json
 * accepts. normalize.ts turns it into the Config model of types.ts. Checks that run before
 * the schema has passed must not trust these types: they read through `loose()`.
 */
import type { Permission, Tier } from './types.js';

export type RawCommand = string | Array<string | number>;

export interface RawDefaults {
  store?: string;
  issuer?: string;
  overlap?: string;
  tier?: Tier;
  consumerTimeout?: string;
  leaseTtl?: string;
  concurrency?: number;
  window?: string | string[];
  blackout?: string[];
}

export interface RawNamed {
  type: string;
  [option: string]: unknown;
}

export interface RawPerson {
  name?: string;
  email?: string;
  teams?: string[];
}

export interface RawTeam {
  members?: string[];
}

export interface RawRestart {
  command?: RawCommand;
  cwd?: string;
  systemd?: string;
  docker?: string;
  kubernetes?: string;
  namespace?: string;
  context?: string;
  pm2?: string;
}

export interface RawHealth {
  url?: string;
  expectStatus?: number;
  command?: RawCommand;
  timeout?: string;
  retries?: number;
  interval?: string;
}

export interface RawConsumer {
  name: string;
  restart?: RawRestart;
  health?: RawHealth;
  timeout?: string;
  env?: Record<string, string>;
}

export interface RawCheck {
  name: string;
  command: RawCommand;
  timeout?: string;
  env?: Record<string, string>;
}

export interface RawRestrictions {
  permissions?: Permission[];
  ipWhitelist?: string[];
  allowWithdrawals?: boolean;
  withdrawalAddressWhitelist?: string[];
  account?: 'main' | 'sub';
}

export interface RawKey {
  id: string;
  purpose: string;
  issuer?: string;
  spec?: Record<string, unknown>;
  store?: string;
  path?: string;
  period?: string;
  tier?: Tier;
  ttl?: string;
  overlap?: string;
  window?: string | string[];
  blackout?: string[];
  holders?: string[];
  restrictions?: RawRestrictions;
  consumers?: RawConsumer[];
  checks?: RawCheck[];
  tags?: string[];
  zone?: string;
}

export interface RawFleet {
  queue: { url: string; schema?: string; expireAfter?: string; retryLimit?: number; retryDelay?: string };
  schedule?: string;
}

export interface RawConfig {
  version: number;
  defaults?: RawDefaults;
  stores?: Record<string, RawNamed>;
  issuers?: Record<string, RawNamed>;
  people?: Record<string, RawPerson>;
  teams?: Record<string, RawTeam>;
  notify?: { webhooks?: Array<{ url: string; events?: Array<'failure' | 'attention' | 'summary'> }> };
  fleet?: RawFleet;
  keys?: RawKey[];
}

/** A JSON or YAML mapping: an object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A view of unvalidated data: fields that are not objects read as an empty object. */
export function loose(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

export function looseList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
