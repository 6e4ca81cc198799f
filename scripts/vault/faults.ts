/**
 * Fault injection for the stand-in: latency, a 5xx on chosen request numbers or on a seeded
 * fraction of requests, dropped connections, and the sealed / standby modes. Requests are
 * counted from 1 and only Vault API requests count (the /_standin/ admin routes never fail).
 */
import { mulberry32 } from '../seeded-random.js';
export interface FaultConfig {
  latencyMs?: number;
  /** answer these request numbers (1-based, counted since the faults were set) with `status` */
  failNth?: number[];
  /** fraction 0..1 of requests answered with `status` */
  failRate?: number;
  status?: number;
  /** fraction 0..1 of requests whose connection is destroyed without an answer */
  dropRate?: number;
  dropNth?: number[];
  /** only requests whose API path starts with this are candidates for failure (e.g. "secret/") */
  pathPrefix?: string;
  seed?: number;
  sealed?: boolean;
  standby?: boolean;
}

export type FaultDecision = { kind: 'none' } | { kind: 'fail'; status: number } | { kind: 'drop' };

export class Faults {
  private config: FaultConfig = {};
  private count = 0;
  private random = mulberry32(1);
  /** what was injected, for tests and the benchmark */
  injected = { failed: 0, dropped: 0 };

  set(config: FaultConfig): void {
    this.config = { ...config };
    this.count = 0;
    this.random = mulberry32(config.seed ?? 1);
    this.injected = { failed: 0, dropped: 0 };
  }

  get current(): FaultConfig {
    return { ...this.config };
  }

  get sealed(): boolean {
    return this.config.sealed === true;
  }

  get standby(): boolean {
    return this.config.standby === true;
  }

  get latencyMs(): number {
    return this.config.latencyMs ?? 0;
  }

  decide(apiPath: string): FaultDecision {
    const c = this.config;
    if (c.pathPrefix !== undefined && !apiPath.startsWith(c.pathPrefix)) return { kind: 'none' };
    this.count += 1;
    const n = this.count;
    if (c.dropNth?.includes(n) || (c.dropRate !== undefined && this.random() < c.dropRate)) {
      this.injected.dropped += 1;
      return { kind: 'drop' };
    }
    if (c.failNth?.includes(n) || (c.failRate !== undefined && this.random() < c.failRate)) {
      this.injected.failed += 1;
      return { kind: 'fail', status: c.status ?? 503 };
    }
    return { kind: 'none' };
  }
}
