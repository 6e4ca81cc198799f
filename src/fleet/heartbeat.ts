/**
 * Workers alive, for `keyturn status`: each worker keeps one row in keyturn_worker, a table of
 * its own next to pg-boss's in the queue's schema, refreshed at every probe of the queue
 * (each poll interval, at least every second): its id (host:pid), host, zone, when it started,
 * when it was last seen and the keys it is rotating now. A drained worker deletes its row; a
 * killed one stops refreshing it and counts as gone once it is older than ALIVE_SECONDS.
 * Key ids only: never material.
 */
import type { Boss } from './boss.js';

export const ALIVE_SECONDS = 30;

export function workerTable(schema: string): string {
  return `"${schema.replace(/"/g, '""')}".keyturn_worker`;
}

export async function ensureWorkerTable(boss: Boss, schema: string): Promise<void> {
  await boss
    .getDb()
    .executeSql(
      `CREATE TABLE IF NOT EXISTS ${workerTable(schema)} (id text PRIMARY KEY, host text NOT NULL, zone text, ` +
        "started_on timestamptz NOT NULL DEFAULT now(), seen_on timestamptz NOT NULL DEFAULT now(), running text[] NOT NULL DEFAULT '{}')",
      [],
    );
}

export async function beat(
  boss: Boss,
  schema: string,
  worker: { id: string; host: string; zone?: string; running: string[] },
): Promise<void> {
  await boss
    .getDb()
    .executeSql(
      `INSERT INTO ${workerTable(schema)} (id, host, zone, running) VALUES ($1, $2, $3, $4) ` +
        'ON CONFLICT (id) DO UPDATE SET seen_on = now(), running = EXCLUDED.running, zone = EXCLUDED.zone',
      [worker.id, worker.host, worker.zone ?? null, worker.running],
    );
}

export async function leave(boss: Boss, schema: string, id: string): Promise<void> {
  await boss.getDb().executeSql(`DELETE FROM ${workerTable(schema)} WHERE id = $1`, [id]);
}
