/** The fleet's part of `keyturn status`: jobs waiting and running per zone, read from the queue. */
import type { Config } from '../config/types.js';
import type { RunContext } from '../context.js';
import { describeQueue, errorText, openQueue } from './boss.js';
import { queueOf, zonesOf } from './names.js';

export interface ZoneDepth {
  /** absent: the default queue */
  zone?: string;
  queue: string;
  waiting: number;
  running: number;
}

export interface FleetStatus {
  queue: string;
  zones?: ZoneDepth[];
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
    return { queue: where, zones };
  } catch (error) {
    return { queue: where, error: ctx.redactor.redact(errorText(error)) };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 5000 }).catch(() => undefined);
  }
}

export function fleetLines(status: FleetStatus): string[] {
  if (status.error) return [`Fleet queue ${status.queue}: unreachable (${status.error})`];
  return [
    `Fleet queue ${status.queue}:`,
    ...status.zones!.map((z) => `  ${(z.zone ?? '(default)').padEnd(16)} ${z.waiting} waiting, ${z.running} running`),
  ];
}
