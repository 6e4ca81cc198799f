/**
 * The queue: pg-boss over the PostgreSQL database of `fleet.queue.url`. pg-boss is imported
 * here only, and only when a command that needs the queue runs (worker, enqueue, status
 * with a fleet). Its URL carries a password: it is registered with the redactor and never
 * shown; errors name the host, port and database only.
 */
import type PgBoss from 'pg-boss';
import type { FleetConfig } from '../config/types.js';
import type { RunContext } from '../context.js';
import { KeyturnError, ExitCode, messageOf } from '../errors.js';
import { queueOf, SCHEDULE_QUEUE } from './names.js';

export type Boss = PgBoss;

export interface OpenOptions {
  /** run pg-boss's maintenance (expiry of jobs whose worker died, archiving) and its cron */
  supervise: boolean;
  /** how often maintenance runs, in seconds (the expiry of a dead worker's job waits for it) */
  maintenanceIntervalSeconds?: number;
}

/** host:port/database of the queue URL, for messages: no user, no password. */
export function describeQueue(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return 'the queue database';
  }
}

/** The URL's password (the secret in it); host, port and database stay readable in messages. */
export function rememberSecrets(fleet: FleetConfig, ctx: RunContext): void {
  try {
    const u = new URL(fleet.queue.url);
    if (u.password) ctx.redactor.add(u.password, decodeURIComponent(u.password));
  } catch {
    // the schema's pattern admitted it; an unparsable URL fails to connect with a message of its own
  }
}

/** Start pg-boss (it creates or migrates its schema); an unreachable database is a one-line error. */
export async function openQueue(fleet: FleetConfig, ctx: RunContext, options: OpenOptions): Promise<Boss> {
  rememberSecrets(fleet, ctx);
  const { default: PgBossClass } = await import('pg-boss');
  const maintenance = options.maintenanceIntervalSeconds ?? Math.max(1, Math.min(60, Math.floor(fleet.queue.expireAfterMs / 2000)));
  const boss = new PgBossClass({
    connectionString: fleet.queue.url,
    schema: fleet.queue.schema,
    application_name: 'keyturn',
    max: 4,
    supervise: options.supervise,
    schedule: options.supervise,
    maintenanceIntervalSeconds: maintenance,
    cronMonitorIntervalSeconds: Math.min(maintenance, 30),
    cronWorkerIntervalSeconds: Math.min(maintenance, 5),
  });
  let lastError = '';
  boss.on('error', (error: Error) => {
    const message = ctx.redactor.redact(errorText(error));
    // the same error every poll (the database gone) is logged once until it changes
    if (message !== lastError) ctx.logger.warn(`queue: ${message}`);
    lastError = message;
  });
  try {
    await boss.start();
  } catch (error) {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
    throw queueUnreachable(fleet, ctx, error);
  }
  return boss;
}

export function queueUnreachable(fleet: FleetConfig, ctx: RunContext, error: unknown): KeyturnError {
  return new KeyturnError(
    'EQUEUE',
    ctx.redactor.redact(`cannot use the queue database ${describeQueue(fleet.queue.url)}: ${errorText(error)}`),
    ExitCode.failed,
    { hint: 'check fleet.queue.url (KEYTURN_QUEUE_URL) and that PostgreSQL accepts the connection' },
  );
}

/** A connection error's code and message; Node's AggregateError (IPv4 and IPv6 refused) has an empty message. */
export function errorText(error: unknown): string {
  const e = error as { code?: string; errors?: unknown[]; message?: string };
  if (Array.isArray(e.errors) && e.errors.length) return errorText(e.errors[0]);
  const message = messageOf(error).split('\n')[0] ?? '';
  return e.code && !message.includes(e.code) ? `${e.code}${message ? ` ${message}` : ''}` : message || 'unknown error';
}

/** Create every queue the fleet uses (idempotent): rotation jobs retry with backoff and expire. */
export async function ensureQueues(boss: Boss, fleet: FleetConfig, zones: ReadonlyArray<string | undefined>): Promise<void> {
  for (const zone of zones) await boss.createQueue(queueOf(zone), { name: queueOf(zone), policy: 'short', ...jobOptions(fleet) });
  await boss.createQueue(SCHEDULE_QUEUE, { name: SCHEDULE_QUEUE, policy: 'short', retryLimit: 0, expireInSeconds: 300 });
}

/** Retries with exponential backoff from retryDelay; a job active past expireAfter goes to another worker. */
export function jobOptions(fleet: FleetConfig): { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number } {
  return {
    retryLimit: fleet.queue.retryLimit,
    retryDelay: Math.max(1, Math.round(fleet.queue.retryDelayMs / 1000)),
    retryBackoff: true,
    expireInSeconds: Math.max(1, Math.round(fleet.queue.expireAfterMs / 1000)),
  };
}
