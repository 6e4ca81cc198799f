/**
 * The normalized configuration: what the rest of keyturn works with after rotation.yaml
 * has been parsed, interpolated, validated and normalized (src/config/load.ts).
 * Durations are milliseconds; every key remembers where it was declared.
 */

import type { Schedule } from './window-syntax.js';

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** Rotation tiers from KEY-SECURITY-RULES.md, lowest risk last. */
export type Tier = 'high-frequency' | 'normal' | 'read-only' | 'one-time' | 'withdrawal';

/** Binance-style permission names, lowest to highest risk. */
export type Permission = 'reading' | 'spot' | 'margin' | 'futures' | 'options' | 'universal-transfer' | 'internal-transfer' | 'withdrawals';

export interface Restrictions {
  permissions: Permission[];
  /** IPv4 addresses the issuer binds the key to; undefined = no whitelist */
  ipWhitelist?: string[];
  /** explicit, reviewed override that allows withdrawals (rule withdrawals-enabled) */
  allowWithdrawals?: boolean;
  withdrawalAddressWhitelist?: string[];
  /** 'main' account or 'sub' account at the exchange */
  account?: 'main' | 'sub';
}

export interface StoreConfig {
  name: string;
  type: string;
  /** type-specific options as written, e.g. { path, masterKeyFile } for `file` */
  options: Record<string, unknown>;
  /** the options typed by the store type's parseOptions (src/stores/kinds.ts), set at config load */
  settings?: unknown;
}

export interface IssuerConfig {
  name: string;
  type: string;
  /** type-specific options as written */
  options: Record<string, unknown>;
  /** the options typed by the issuer type's parseOptions (src/issuers/kinds.ts), set at config load */
  settings?: unknown;
}

export type RestartSpec =
  | { kind: 'command'; command: string[]; cwd?: string }
  | { kind: 'systemd'; unit: string }
  | { kind: 'docker'; container: string }
  | { kind: 'kubernetes'; deployment: string; namespace?: string; context?: string }
  | { kind: 'pm2'; process: string };

export type HealthSpec =
  | { kind: 'http'; url: string; expectStatus: number; timeoutMs: number; retries: number; intervalMs: number }
  | { kind: 'command'; command: string[]; timeoutMs: number; retries: number; intervalMs: number };

export interface ConsumerConfig {
  name: string;
  restart?: RestartSpec;
  health?: HealthSpec;
  /** how long the restart and every health probe together may take (one deadline) */
  timeoutMs: number;
  /** environment variable name → field of the key material (e.g. API_SECRET → secret) */
  env: Record<string, string>;
}

export interface CheckConfig {
  name: string;
  command: string[];
  timeoutMs: number;
  env: Record<string, string>;
}

export interface KeyConfig {
  id: string;
  purpose: string;
  issuer: string;
  /** issuer-specific spec (length, alphabet, commands, …) as written */
  spec: Record<string, unknown>;
  /** the spec typed by the issuer type's parseSpec (src/issuers/kinds.ts), set at config load */
  issuerSpec?: unknown;
  store: string;
  path: string;
  periodMs?: number;
  tier?: Tier;
  /** one-time keys: delete this long after creation */
  ttlMs?: number;
  /** how long the old key stays alive after cutover before retire */
  overlapMs: number;
  /** when routine rotations may start (its own `window`/`blackout`, else the defaults'); undefined: any time */
  schedule?: Schedule;
  /** person ids or `team:NAME` */
  holders: string[];
  consumers: ConsumerConfig[];
  checks: CheckConfig[];
  restrictions: Restrictions;
  tags: string[];
  /** the fleet zone whose workers run its jobs (`keyturn worker --zone`); undefined: the default queue */
  zone?: string;
  /** where the key is declared, and where each of its fields is (by dotted path) */
  position: SourcePosition;
}

export interface Person {
  id: string;
  name?: string;
  email?: string;
  teams: string[];
}

export interface Team {
  id: string;
  members: string[];
}

export type NotifyEvent = 'failure' | 'attention' | 'summary';

export interface WebhookConfig {
  url: string;
  events: NotifyEvent[];
}

export interface Defaults {
  store?: string;
  issuer?: string;
  overlapMs: number;
  tier?: Tier;
  consumerTimeoutMs: number;
  leaseTtlMs: number;
  concurrency: number;
}

export interface Config {
  /** absolute path of the file read */
  file: string;
  /** directory of the file: relative paths in the file resolve from here */
  dir: string;
  /** sha256 of the file's text, to detect a stale saved plan */
  hash: string;
  version: number;
  defaults: Defaults;
  stores: Record<string, StoreConfig>;
  issuers: Record<string, IssuerConfig>;
  people: Record<string, Person>;
  teams: Record<string, Team>;
  notify: { webhooks: WebhookConfig[] };
  /** rotations as queue jobs for `keyturn worker` (docs/fleet.md); undefined: no fleet */
  fleet?: FleetConfig;
  keys: KeyConfig[];
}

export interface FleetConfig {
  queue: {
    /** the queue database's connection URL (it carries a password: never logged) */
    url: string;
    /** the PostgreSQL schema of pg-boss's tables */
    schema: string;
    /** a job active longer than this is handed to another worker */
    expireAfterMs: number;
    retryLimit: number;
    /** the first wait before a retry, doubled each time */
    retryDelayMs: number;
  };
  /** cron (UTC): when the fleet enqueues every due key */
  schedule: string;
}
