/**
 * Hand-built Binance requests for the tests: the payload is assembled and signed here, on
 * the wire format itself, so the sandbox's checks are tested independently of keyturn's client.
 */
import { createHmac, sign, createPrivateKey } from 'node:crypto';
import http from 'node:http';
import { Sandbox, startSandbox } from '../../scripts/sandbox/server.js';

export interface WireResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown> & { code?: number; msg?: string };
}

export interface WireKey {
  apiKey: string;
  secret?: string;
  privateKey?: string;
}

export function enc(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function sigOf(key: WireKey, payload: string): string {
  if (key.privateKey) return enc(sign(null, Buffer.from(payload), createPrivateKey(key.privateKey)).toString('base64'));
  return createHmac('sha256', key.secret!).update(payload).digest('hex');
}

export function raw(
  base: string,
  method: string,
  path: string,
  options: { query?: string; body?: string; apiKey?: string; localAddress?: string } = {},
): Promise<WireResult> {
  const url = new URL(path + (options.query ? `?${options.query}` : ''), base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        localAddress: options.localAddress,
        headers: {
          ...(options.apiKey ? { 'X-MBX-APIKEY': options.apiKey } : {}),
          ...(options.body !== undefined
            ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(options.body) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

/** A signed call: `params` already encoded; timestamp and signature appended like a client does. */
export function signed(
  base: string,
  method: string,
  path: string,
  key: WireKey,
  params = '',
  options: { localAddress?: string; inBody?: boolean; timestamp?: number; recvWindow?: number } = {},
): Promise<WireResult> {
  const ts = `${params ? '&' : ''}${options.recvWindow !== undefined ? `recvWindow=${options.recvWindow}&` : ''}timestamp=${options.timestamp ?? Date.now()}`;
  const payload = params + ts;
  const full = `${payload}&signature=${sigOf(key, payload)}`;
  const inBody = options.inBody ?? method !== 'GET';
  return raw(base, method, path, {
    apiKey: key.apiKey,
    localAddress: options.localAddress,
    ...(inBody ? { body: full } : { query: full }),
  });
}

export async function admin(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`admin ${path}: ${JSON.stringify(json)}`);
  return json;
}

export const SUB = 'grid@sub.sandbox.test';
export const SUB2 = 'data@sub.sandbox.test';

/** A running sandbox with a master account, its management key and two sub-accounts. */
export async function sandboxWithAccounts(
  options: { host?: string } = {},
): Promise<{ sandbox: Sandbox; url: string; management: WireKey }> {
  const sandbox = await startSandbox({ host: options.host ?? '127.0.0.1' });
  const setup = await admin(sandbox.url, 'POST', '/__sandbox/setup', { master: 'desk@sandbox.test', subAccounts: [SUB, SUB2] });
  return { sandbox, url: sandbox.url, management: { apiKey: setup.apiKey, secret: setup.secretKey } };
}

/** Create a sub-account key through the real management endpoint. */
export async function createSubKey(url: string, management: WireKey, params: string): Promise<WireResult> {
  return signed(url, 'POST', '/sapi/v1/sub-account/subAccountApi', management, params);
}

/** The start of a rotation.yaml whose issuer `exchange` is the sandbox at `url`, its management key in the file store. */
export function exchangeConfigHead(url: string, options: { concurrency?: number } = {}): string {
  const concurrency = options.concurrency === undefined ? '' : `, concurrency: ${options.concurrency}`;
  return `version: 1
defaults: { store: local, leaseTtl: 2m${concurrency} }
stores:
  local: { type: file, path: store.enc }
issuers:
  exchange:
    type: binance
    baseUrl: ${url}
    managementKey: { store: local, path: exchange/management }
`;
}
