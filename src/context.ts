/**
 * Every side effect (clock, randomness, logging, prompts, environment) reaches the code
 * through one context object, so tests swap the edges and keep the logic real.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { ACTOR_ENV } from './env-names.js';
import type { Logger } from './log/logger.js';
import type { Redactor } from './log/redactor.js';
import type { SecretStore } from './stores/types.js';

/**
 * The date keyturn records and compares due dates and leases with; the engine also takes the
 * durations it reports from it. Waiting (timeouts, deadlines, the drain of a child's pipes,
 * exchange request timestamps) runs on real time, Date.now(): a test that fixes the date
 * must not stop every deadline from passing.
 */
export interface Clock {
  now(): Date;
}

export interface Prompt {
  /** true when a human can answer (stdin and stderr are terminals) */
  readonly interactive: boolean;
  /** show a message to the operator (stderr), not to the log */
  say(message: string): void;
  confirm(question: string): Promise<boolean>;
  text(question: string): Promise<string>;
  /** read a value without echo; the value is registered with the redactor before it is returned */
  secret(question: string): Promise<string>;
}

export interface RunContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  logger: Logger;
  redactor: Redactor;
  prompt: Prompt;
  /** who runs keyturn: user@host, recorded in history */
  actor: string;
  /** plan / --dry-run: nothing that writes may run */
  dryRun: boolean;
  /**
   * The run's stores by their name in rotation.yaml, for an issuer that keeps its own
   * credentials in a store (Binance's management key). Opened once per run.
   */
  store?(name: string): Promise<SecretStore>;
}

export const systemClock: Clock = { now: () => new Date() };

/** Rotation ids sort by time and are unique across machines: rot-YYYYMMDDHHMMSS-<8 hex>. */
export function newRotationId(clock: Clock = systemClock): string {
  const stamp = clock
    .now()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  return `rot-${stamp}-${randomBytes(4).toString('hex')}`;
}

export function defaultActor(env: NodeJS.ProcessEnv = process.env): string {
  const user = env[ACTOR_ENV] ?? safeUser();
  return env[ACTOR_ENV] ? user : `${user}@${os.hostname()}`;
}

function safeUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown';
  }
}
