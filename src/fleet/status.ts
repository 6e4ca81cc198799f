/** The fleet's part of `keyturn status`: jobs waiting and running per zone, read from the queue. */
import type { Config } from '../config/types.js';
import type { RunContext } from '../context.js';
import { describeQueue, errorText, openQueue, type Boss } from './boss.js';
import { ALIVE_SECONDS, workerTable } from './heartbeat.js';
import { queueOf, zonesOf } from './names.js';

export interface ZoneDepth {
  /** absent: the default queue */
  zone?: string;
  queue: string;
  waiting: number;
  running: number;
}

/** A key's place in the queue: its waiting or running job, and the end of its last job. */
export interface KeyJob {
  key: string;
  /** queued (created or retry), running (active), absent when the key has no open job */
  state?: 'queued' | 'running';
  /** the worker running it (from its heartbeat row), when one says so */
  worker?: string;
  /** the last job that ended: completed (with the rotation's outcome) or failed */
  last?: { state: string; outcome?: string; at: string };
}

export interface WorkerAlive {
  id: string;
  host: string;
  zone?: string;
  startedOn: string;
  seenOn: string;
  running: string[];
}

export interface FleetStatus {
  queue: string;
  zones?: ZoneDepth[];
  keys?: KeyJob[];
  /** workers whose heartbeat is at most ALIVE_SECONDS old */
  workers?: WorkerAlive[];
  /** why the queue could not be read */
  error?: string;
}

export async function fleetStatus(config: Config, ctx: RunContext): Promise<FleetStatus> {
  const fleet = config.fleet!;
  const where = describeQueue(fleet.queue.url);
  let boss;
  try {
    boss = await openQueue(fleet, ctx, { supervise: false });
  } catch (error) {
    return { queue: where, error: ctx.redactor.redact(errorText((error as { cause?: unknown }).cause ?? error)) };
  }
  try {
    const zones: ZoneDepth[] = [];
    for (const zone of zonesOf(config.keys)) {
      const queue = queueOf(zone);
      const exists = await boss.getQueue(queue);
      const waiting = exists ? await boss.getQueueSize(queue) : 0;
      const upToActive = exists ? await boss.getQueueSize(queue, { before: 'completed' }) : 0;
      zones.push({ ...(zone !== undefined ? { zone } : {}), queue, waiting, running: upToActive - waiting });
    }
    const { keys, workers } = await jobsAndWorkers(boss, config);
    return { queue: where, zones, keys, workers };
  } catch (error) {
    return { queue: where, error: ctx.redactor.redact(errorText(error)) };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
  }
}

interface Row {
  [column: string]: unknown;
}

async function jobsAndWorkers(boss: Boss, config: Config): Promise<{ keys: KeyJob[]; workers: WorkerAlive[] }> {
  const schema = config.fleet!.queue.schema;
  const q = (name: string) => `"${schema.replace(/"/g, '""')}".${name}`;
  const db = boss.getDb();
  const rows = async (sql: string): Promise<Row[]> => ((await db.executeSql(sql, [])) as { rows: Row[] }).rows;
  const exists = async (table: string) => (await rows(`SELECT to_regclass('${q(table).replace(/'/g, "''")}') AS t`))[0]?.t !== null;
  const workers: WorkerAlive[] = (await exists('keyturn_worker'))
    ? (
        await rows(
          `SELECT id, host, zone, started_on, seen_on, running FROM ${workerTable(schema)} ` +
            `WHERE seen_on > now() - interval '${ALIVE_SECONDS} seconds' ORDER BY id`,
        )
      ).map((r) => ({
        id: String(r.id),
        host: String(r.host),
        ...(r.zone ? { zone: String(r.zone) } : {}),
        startedOn: new Date(r.started_on as string).toISOString(),
        seenOn: new Date(r.seen_on as string).toISOString(),
        running: (r.running as string[]) ?? [],
      }))
    : [];
  const runningOn = new Map<string, string>();
  for (const w of workers) for (const key of w.running) runningOn.set(key, w.id);
  const tables = ['job', ...((await exists('archive')) ? ['archive'] : [])];
  const all = tables
    .map(
      (t) =>
        "SELECT data->>'key' AS key, state::text AS state, output->>'outcome' AS outcome, completed_on, created_on " +
        `FROM ${q(t)} WHERE name LIKE 'keyturn-rotate%'`,
    )
    .join(' UNION ALL ');
  const open = new Map<string, 'queued' | 'running'>();
  const last = new Map<string, KeyJob['last']>();
  for (const r of await rows(`SELECT * FROM (${all}) j ORDER BY created_on`)) {
    const key = String(r.key);
    if (r.state === 'created' || r.state === 'retry') open.set(key, open.get(key) === 'running' ? 'running' : 'queued');
    else if (r.state === 'active') open.set(key, 'running');
    else if (r.state === 'completed' || r.state === 'failed')
      last.set(key, {
        state: r.state,
        ...(typeof r.outcome === 'string' ? { outcome: r.outcome } : {}),
        at: new Date((r.completed_on ?? r.created_on) as string).toISOString(),
      });
  }
  const keys: KeyJob[] = config.keys.map((k) => {
    const state = open.get(k.id);
    const worker = state === 'running' ? runningOn.get(k.id) : undefined;
    const end = last.get(k.id);
    return { key: k.id, ...(state ? { state } : {}), ...(worker ? { worker } : {}), ...(end ? { last: end } : {}) };
  });
  return { keys, workers };
}

export function fleetLines(status: FleetStatus): string[] {
  if (status.error) return [`Fleet queue ${status.queue}: unreachable (${status.error})`];
  const keyLines = (status.keys ?? [])
    .filter((k) => k.state || k.last)
    .map((k) => {
      const now = k.state === 'running' ? `running${k.worker ? ` on ${k.worker}` : ''}` : (k.state ?? 'not queued');
      const end = k.last ? `; last job ${k.last.state}${k.last.outcome ? ` (${k.last.outcome})` : ''} at ${k.last.at}` : '';
      return `  ${k.key.padEnd(16)} ${now}${end}`;
    });
  const workers = status.workers ?? [];
  return [
    `Fleet queue ${status.queue}:`,
    ...status.zones!.map((z) => `  ${(z.zone ?? '(default)').padEnd(16)} ${z.waiting} waiting, ${z.running} running`),
    ...(keyLines.length ? ['Jobs per key:', ...keyLines] : []),
    `Workers alive: ${workers.length}`,
    ...workers.map(
      (w) =>
        `  ${w.id.padEnd(24)} zone ${w.zone ?? '(default)'}, seen ${w.seenOn}` +
        (w.running.length ? `, running ${w.running.join(', ')}` : ''),
    ),
  ];
}
