/**
 * The worker's Prometheus metrics (prom-client) and its probes, on 127.0.0.1:--metrics-port:
 * /metrics, /healthz (the process runs) and /readyz (the queue answers and the worker takes
 * jobs). Labels are key ids, outcomes and zones: never material.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RotationResult } from '../engine/result.js';

export interface MetricsSource {
  /** waiting jobs (created or retry) per zone; '' is the default queue */
  queueDepth(): Promise<Map<string, number>>;
  ready(): boolean;
  /** keys due and overdue per zone ('' no zone), from rotation.yaml and the store's records */
  dueKeys(): Promise<Map<string, DueCount>>;
}

export interface DueCount {
  /** due now: past their due date, or never rotated */
  due: number;
  /** past their due date (a key never rotated is due, not overdue) */
  overdue: number;
}

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly rotations = new Counter({
    name: 'keyturn_rotations_total',
    help: 'Rotation jobs run by this worker, by key and outcome',
    labelNames: ['key', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'keyturn_rotation_duration_seconds',
    help: 'How long a rotation took, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'keyturn_last_success_timestamp_seconds',
    help: 'When this worker last completed a rotation of the key (Unix time)',
    labelNames: ['key'] as const,
    registers: [this.registry],
  });
  readonly running = new Gauge({
    name: 'keyturn_worker_jobs_running',
    help: 'Rotation jobs this worker is running now',
    registers: [this.registry],
  });
  private server?: http.Server;

  constructor(private readonly source: MetricsSource) {
    const depth = this.source;
    // one read of the store's records serves both gauges of a scrape
    let counting: Promise<Map<string, DueCount>> | undefined;
    const counts = (): Promise<Map<string, DueCount>> => {
      counting ??= depth.dueKeys().finally(() => setTimeout(() => (counting = undefined), 1000).unref());
      return counting;
    };
    for (const [name, help, field] of [
      ['keyturn_keys_due', 'Keys due for rotation now (past their due date or never rotated), by zone (zone="" no zone)', 'due'],
      ['keyturn_keys_overdue', 'Keys past their due date, by zone (zone="" no zone)', 'overdue'],
    ] as const) {
      new Gauge({
        name,
        help,
        labelNames: ['zone'] as const,
        registers: [this.registry],
        async collect() {
          this.reset();
          try {
            for (const [zone, n] of await counts()) this.set({ zone }, n[field]);
          } catch {
            // the store cannot be read: no figure rather than a wrong one
          }
        },
      });
    }
    new Gauge({
      name: 'keyturn_queue_depth',
      help: 'Rotation jobs waiting in the queue, by zone (zone="" is the default queue)',
      labelNames: ['zone'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const [zone, n] of await depth.queueDepth()) this.set({ zone }, n);
        } catch {
          // the queue is unreachable: no figure rather than a wrong one (/readyz says why)
        }
      },
    });
  }

  record(result: RotationResult, now: Date): void {
    this.rotations.inc({ key: result.key, outcome: result.outcome });
    this.duration.observe({ outcome: result.outcome }, result.durationMs / 1000);
    if (result.outcome === 'completed') this.lastSuccess.set({ key: result.key }, Math.floor(now.getTime() / 1000));
  }

  /** Serve on 127.0.0.1:port (0: any free port); resolves with the port. */
  async listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      void this.answer(req.url ?? '/', res);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  private async answer(url: string, res: http.ServerResponse): Promise<void> {
    const path = url.split('?')[0];
    if (path === '/metrics') {
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType }).end(text);
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = this.source.ready();
      res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'not ready\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: /metrics, /healthz, /readyz\n');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
