/**
 * A minimal Binance REST client: signed requests with timestamp and recvWindow, one clock
 * resync on -1021, Retry-After honoured on 429 (bounded), 418 never retried, the UID weight
 * budget watched through X-SAPI-USED-UID-WEIGHT-1M, and 5xx reported as "outcome unknown"
 * so the caller decides whether repeating is safe. node:http, so calls can leave from a
 * chosen local address (the one on the key's IP whitelist). Timestamps and the weight minute
 * are this machine's real time, never the run's Clock: Binance compares them with its own.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../../log/logger.js';
import { BinanceApiError } from './api-error.js';
import { encodeParams, type Params, type Signer } from './signing.js';

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  signer?: Signer;
  localAddress?: string;
  recvWindowMs: number;
  timeoutMs: number;
  /** longest Retry-After keyturn waits out before giving up */
  maxRetryWaitMs: number;
  logger: Logger;
  /** UID weight per minute (Binance: 180000) */
  uidWeightLimit?: number;
}

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class BinanceClient {
  /** serverTime - local time, learned on -1021 */
  private offsetMs = 0;
  private uidUsed = 0;
  private uidMinute = 0;

  constructor(private readonly options: ClientOptions) {}

  async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: Params = {},
    settings: { signed?: boolean; weight?: number } = {},
  ): Promise<unknown> {
    const signed = settings.signed ?? true;
    await this.budget(settings.weight ?? 0);
    let resynced = false;
    let waits = 0;
    for (;;) {
      const raw = await this.send(method, path, params, signed);
      this.noteWeight(raw.headers);
      if (raw.status < 300) return raw.text ? JSON.parse(raw.text) : {};
      const error = this.errorOf(raw, path);
      if (error.code === -1021 && !resynced) {
        resynced = true;
        await this.syncClock();
        continue;
      }
      if (raw.status === 429 && waits < 2) {
        const waitMs = Number(raw.headers['retry-after'] ?? 1) * 1000;
        if (waitMs <= this.options.maxRetryWaitMs) {
          waits++;
          this.options.logger.warn(`binance ${path}: rate limited (429), waiting ${waitMs}ms as Retry-After says`);
          await sleep(waitMs);
          continue;
        }
      }
      throw error;
    }
  }

  async syncClock(): Promise<void> {
    const before = Date.now();
    const { serverTime } = (await this.call('GET', '/api/v3/time', {}, { signed: false })) as { serverTime: number };
    this.offsetMs = serverTime - Math.round((before + Date.now()) / 2);
    this.options.logger.info(`binance: clock resynced with /api/v3/time (offset ${this.offsetMs}ms)`);
  }

  private errorOf(raw: Raw, path: string): BinanceApiError {
    let code: number | undefined;
    let msg = raw.text.slice(0, 200);
    try {
      const body = JSON.parse(raw.text) as { code?: number; msg?: string };
      code = body.code;
      msg = body.msg ?? msg;
    } catch {
      // not JSON (a proxy's page): keep the start of the text
    }
    return new BinanceApiError(raw.status, code, msg, path, raw.status >= 500);
  }

  /** Wait for the next minute rather than spend weight Binance would refuse with a 429. */
  private async budget(weight: number): Promise<void> {
    const limit = this.options.uidWeightLimit;
    if (!limit || weight === 0) return;
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.uidMinute) return;
    if (this.uidUsed + weight <= limit) return;
    const waitMs = (minute + 1) * 60_000 - Date.now();
    if (waitMs > this.options.maxRetryWaitMs) {
      throw new BinanceApiError(429, -1003, `UID weight budget spent (${this.uidUsed}/${limit})`, 'budget');
    }
    this.options.logger.warn(`binance: UID weight ${this.uidUsed}/${limit} used this minute; waiting ${waitMs}ms`);
    await sleep(waitMs);
  }

  private noteWeight(headers: http.IncomingHttpHeaders): void {
    const uid = headers['x-sapi-used-uid-weight-1m'];
    if (typeof uid === 'string') {
      this.uidUsed = Number(uid);
      this.uidMinute = Math.floor(Date.now() / 60_000);
    }
  }

  private send(method: string, path: string, params: Params, signed: boolean): Promise<Raw> {
    const all: Params = { ...params };
    if (signed) {
      all.recvWindow = this.options.recvWindowMs;
      all.timestamp = Date.now() + this.offsetMs;
    }
    let payload = encodeParams(all);
    if (signed) {
      if (!this.options.signer) throw new Error('a signed call needs a signer');
      payload += `${payload ? '&' : ''}signature=${this.options.signer.sign(payload)}`;
    }
    // POST/DELETE carry their parameters in the form body (publicKey must not be in the URL)
    const inBody = method !== 'GET';
    const url = new URL(path + (!inBody && payload ? `?${payload}` : ''), this.options.baseUrl);
    const body = inBody ? payload : '';
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<Raw>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          localAddress: this.options.localAddress,
          timeout: this.options.timeoutMs,
          headers: {
            'X-MBX-APIKEY': this.options.apiKey,
            ...(inBody ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timed out after ${this.options.timeoutMs}ms`)));
      req.on('error', (error) =>
        reject(new BinanceApiError(0, undefined, `cannot reach ${url.origin}: ${error.message}`, path, method !== 'GET')),
      );
      req.end(body);
    });
  }
}
