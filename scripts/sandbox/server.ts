/**
 * A Binance-compatible HTTP server for keyturn's tests and demo (loopback only). Around the
 * routes it does what Binance does to every request: weight accounting with the
 * X-MBX-/X-SAPI-USED-*-WEIGHT-1M headers and 429/418 past the limit, signed-request checks,
 * permission checks; plus injected faults and a small admin API under /__sandbox/.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate } from './auth.js';
import { ApiError, refuse } from './errors.js';
import { adminRoute } from './admin.js';
import { permitted, ROUTES, type Call } from './routes.js';
import { SandboxState } from './state.js';

export interface SandboxOptions {
  host?: string;
  port?: number;
  stateFile?: string;
  /** per-minute limits; Binance's defaults */
  ipWeightLimit?: number;
  uidWeightLimit?: number;
}

export interface Fault {
  /** path prefix the fault applies to, e.g. /sapi/v1/sub-account/subAccountApi */
  path: string;
  method?: string;
  /** latency: delay then serve; error: answer `status` without serving; after-error: serve, then answer `status` (outcome unknown to the caller); rate-limit: 429; ban: 418 */
  kind: 'latency' | 'error' | 'after-error' | 'rate-limit' | 'ban';
  status?: number;
  ms?: number;
  retryAfter?: number;
  /** how many requests it hits (default 1) */
  times?: number;
}

export interface Stats {
  requests: number;
  /** per API key: answered 2xx, refused 4xx/5xx */
  byKey: Record<string, { ok: number; refused: number; codes: Record<string, number> }>;
}

export class Sandbox {
  readonly state: SandboxState;
  faults: Fault[] = [];
  clockOffsetMs = 0;
  stats: Stats = { requests: 0, byKey: {} };
  /** method and path of each request as it arrived (the last 10,000): the order tests assert on */
  arrivals: string[] = [];
  /** when the last request arrived (Date.now()), for --idle-exit */
  lastRequestAt = Date.now();
  private weights = new Map<string, { minute: number; used: number }>();
  private server?: http.Server;
  url = '';

  constructor(readonly options: SandboxOptions = {}) {
    this.state = new SandboxState(options.stateFile);
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  async listen(): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', resolve);
    });
    const { address, port } = server.address() as AddressInfo;
    this.url = `http://${address}:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Add `weight` to a bucket for this minute and report it in `header`; past the limit a 429
   * that carries the header too (Binance counts the refused request). Returns the weight used.
   */
  private spend(bucket: string, weight: number, limit: number, now: number, header: string, headers: Record<string, string>): number {
    const minute = Math.floor(now / 60_000);
    const entry = this.weights.get(bucket);
    const used = (entry && entry.minute === minute ? entry.used : 0) + weight;
    this.weights.set(bucket, { minute, used });
    headers[header] = String(used);
    if (used > limit) throw refuse.tooMany(Math.ceil(((minute + 1) * 60_000 - now) / 1000), limit);
    return used;
  }

  /** The weight a bucket has used this minute, for replies that spend none (an injected 429 or 418). */
  private used(bucket: string, now: number): number {
    const entry = this.weights.get(bucket);
    return entry && entry.minute === Math.floor(now / 60_000) ? entry.used : 0;
  }

  resetWeights(): void {
    this.weights.clear();
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex((f) => path.startsWith(f.path) && (!f.method || f.method === method));
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    const left = (fault.times ?? 1) - 1;
    if (left <= 0) this.faults.splice(index, 1);
    else fault.times = left;
    return fault;
  }

  private count(apiKey: string | undefined, status: number, code?: number): void {
    this.stats.requests++;
    if (!apiKey) return;
    const entry = (this.stats.byKey[apiKey] ??= { ok: 0, refused: 0, codes: {} });
    if (status < 300) entry.ok++;
    else {
      entry.refused++;
      const label = String(code ?? status);
      entry.codes[label] = (entry.codes[label] ?? 0) + 1;
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.lastRequestAt = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    this.arrivals.push(`${method} ${path}`);
    if (this.arrivals.length > 10_000) this.arrivals.splice(0, this.arrivals.length - 10_000);
    const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
    const apiKeyHeader = typeof req.headers['x-mbx-apikey'] === 'string' ? req.headers['x-mbx-apikey'] : undefined;

    const send = (status: number, body: unknown, code?: number) => {
      this.count(apiKeyHeader, status, code);
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };

    if (path.startsWith('/__sandbox/')) {
      try {
        send(200, await adminRoute(this, method, path, rawBody ? JSON.parse(rawBody) : {}, new URLSearchParams(rawQuery)));
      } catch (error) {
        send(400, { error: error instanceof Error ? error.message : String(error) });
      }
      return;
    }

    const fault = this.takeFault(method, path);
    const sapi = path.startsWith('/sapi/');
    const ipBucket = `ip:${address}:${sapi ? 'sapi' : 'api'}`;
    const ipHeader = sapi ? 'X-SAPI-USED-IP-WEIGHT-1M' : 'X-MBX-USED-WEIGHT-1M';
    const ipLimit = this.options.ipWeightLimit ?? (sapi ? 12_000 : 6_000);
    try {
      if (fault?.kind === 'latency') await new Promise((r) => setTimeout(r, fault.ms ?? 1000));
      if (fault?.kind === 'rate-limit' || fault?.kind === 'ban') {
        headers[ipHeader] = String(this.used(ipBucket, this.now()));
        throw fault.kind === 'ban' ? refuse.banned(fault.retryAfter ?? 60) : refuse.tooMany(fault.retryAfter ?? 1, ipLimit);
      }
      if (fault?.kind === 'error')
        throw new ApiError(fault.status ?? 503, -1000, 'An unknown error occurred while processing the request.');

      const route = ROUTES[`${method} ${path}`];
      if (!route) {
        this.spend(ipBucket, 1, ipLimit, this.now(), ipHeader, headers);
        throw refuse.unknownPath();
      }
      const now = this.now();
      const bodyParams = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded') ? rawBody : '';
      const queryParams = new URLSearchParams(rawQuery);
      const params = new URLSearchParams(rawQuery);
      for (const [k, v] of new URLSearchParams(bodyParams)) params.append(k, v);

      this.spend(ipBucket, route.uid ? 1 : route.weight, ipLimit, now, ipHeader, headers);

      const call: Call = { method, path, params, queryParams, now };
      if (route.security !== 'NONE') {
        call.key = authenticate(this.state, { apiKeyHeader, rawQuery, rawBody: bodyParams, params, address }, now);
        permitted(route.security, call.key, this.state);
        if (route.uid) {
          this.spend(
            `uid:${call.key.account}`,
            route.weight,
            this.options.uidWeightLimit ?? 180_000,
            now,
            'X-SAPI-USED-UID-WEIGHT-1M',
            headers,
          );
        }
      }
      const body = route.handle(this.state, call);
      if (fault?.kind === 'after-error')
        throw new ApiError(fault.status ?? 502, -1000, 'An unknown error occurred while processing the request.');
      send(200, body);
    } catch (error) {
      const api = error instanceof ApiError ? error : refuse.internal();
      Object.assign(headers, api.headers);
      send(api.status, { code: api.code, msg: api.message }, api.code);
    }
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const sandbox = new Sandbox(options);
  await sandbox.listen();
  return sandbox;
}
