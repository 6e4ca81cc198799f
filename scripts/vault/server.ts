/**
 * The Vault stand-in: an HTTP server speaking the part of Vault's API keyturn uses (KV v2,
 * a KV v1 mount to be refused, sys/health, sys/mounts, sys/internal/ui/mounts, token
 * lookup/renew, AppRole login) with Vault's envelopes, status codes and error strings,
 * behind a TCP front end that accepts the LIST method. See docs/vault.md for what it does not do.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { TokenTable, type AppRole, type Capability, type TokenOptions } from './auth.js';
import { Faults, type FaultConfig } from './faults.js';
import { VaultHttpError, notFound } from './http-error.js';
import { KvEngine } from './kv-engine.js';
import { listFrontEnd } from './list-front.js';

export interface StandInOptions {
  host?: string;
  /** 0: any free port */
  port?: number;
  rootToken?: string;
  /** KV v2 mounts (default ["secret"]) */
  kv2Mounts?: string[];
  /** KV v1 mounts (default ["kv1"]), present so keyturn's refusal of v1 can be proven */
  kv1Mounts?: string[];
}

export interface StandInStats {
  requests: number;
  byMethod: Record<string, number>;
}

export interface VaultStandIn {
  url: string;
  rootToken: string;
  tokens: TokenTable;
  faults: Faults;
  stats: StandInStats;
  close(): Promise<void>;
}

type Reply = { status: number; body?: unknown; envelope?: boolean };

export async function startVaultStandIn(options: StandInOptions = {}): Promise<VaultStandIn> {
  const host = options.host ?? '127.0.0.1';
  const rootToken = options.rootToken ?? 'root';
  const tokens = new TokenTable();
  tokens.add(rootToken);
  const faults = new Faults();
  const stats: StandInStats = { requests: 0, byMethod: {} };
  const kv2 = new Set(options.kv2Mounts ?? ['secret']);
  const kv1 = new Set(options.kv1Mounts ?? ['kv1']);
  /** per namespace ("" is the root namespace): a KV v2 engine per mount, and KV v1 maps */
  const spaces = new Map<string, { v2: Map<string, KvEngine>; v1: Map<string, Map<string, Record<string, unknown>>> }>();
  const space = (ns: string) => {
    let s = spaces.get(ns);
    if (!s) {
      s = { v2: new Map([...kv2].map((m) => [m, new KvEngine()])), v1: new Map([...kv1].map((m) => [m, new Map()])) };
      spaces.set(ns, s);
    }
    return s;
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, { status: 500, body: { errors: [String(error)] } }));
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/_standin/')) return send(res, admin(req.method ?? 'GET', url.pathname.slice('/_standin/'.length), raw));
    if (!url.pathname.startsWith('/v1/')) return send(res, { status: 404, body: { errors: [] } });
    const apiPath = decodeURIComponent(url.pathname.slice('/v1/'.length));
    stats.requests += 1;
    const method = isList(req.method, url) ? 'LIST' : (req.method ?? 'GET');
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const decision = faults.decide(apiPath);
    if (decision.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (decision.kind === 'fail')
      return send(res, { status: decision.status, body: { errors: [`stand-in injected fault: ${decision.status}`] } });
    try {
      send(res, route(method, apiPath, url, raw, req));
    } catch (error) {
      if (error instanceof VaultHttpError) return send(res, { status: error.status, body: error.body ?? { errors: error.errors } });
      throw error;
    }
  }

  function route(method: string, apiPath: string, url: URL, raw: string, req: http.IncomingMessage): Reply {
    if (apiPath === 'sys/health') return health(url);
    if (faults.sealed) throw new VaultHttpError(503, ['Vault is sealed']);
    const body = parseJson(raw);
    const token = header(req, 'x-vault-token');
    const ns = (header(req, 'x-vault-namespace') ?? '').replace(/^\/+|\/+$/g, '');
    if (apiPath === 'auth/approle/login' && method === 'POST') {
      return { status: 200, body: { auth: tokens.login(body.role_id, body.secret_id) }, envelope: true };
    }
    if (apiPath === 'auth/token/lookup-self' && method === 'GET') return ok(tokens.lookup(requireToken(token)));
    if (apiPath === 'auth/token/renew-self' && (method === 'POST' || method === 'PUT')) {
      return { status: 200, body: { auth: tokens.renew(requireToken(token), Number(body.increment) || undefined) }, envelope: true };
    }
    if (apiPath === 'sys/mounts' && method === 'GET') {
      tokens.authorize(token, apiPath, 'read');
      const mounts = Object.fromEntries([
        ...[...kv2].map((m) => [`${m}/`, mountInfo(m, '2')]),
        ...[...kv1].map((m) => [`${m}/`, mountInfo(m, '1')]),
      ]);
      return { status: 200, body: { ...mounts, data: mounts }, envelope: true };
    }
    if (apiPath.startsWith('sys/internal/ui/mounts/')) {
      tokens.check(token);
      const target = apiPath.slice('sys/internal/ui/mounts/'.length);
      const mount = target.split('/')[0] ?? '';
      if (kv2.has(mount)) return ok(mountInfo(mount, '2'));
      if (kv1.has(mount)) return ok(mountInfo(mount, '1'));
      throw new VaultHttpError(403, [
        `preflight capability check returned 403, please ensure client's policies grant access to path "${target}/"`,
      ]);
    }
    const [mount = '', ...restParts] = apiPath.split('/');
    if (kv2.has(mount)) return kvV2(space(ns).v2.get(mount)!, method, mount, restParts, body, url, token);
    if (kv1.has(mount)) return kvV1(space(ns).v1.get(mount)!, method, apiPath, restParts.join('/'), body, token);
    throw new VaultHttpError(404, [`no handler for route "${apiPath}". route entry not found.`]);
  }

  function kvV2(
    kv: KvEngine,
    method: string,
    mount: string,
    parts: string[],
    body: Record<string, unknown>,
    url: URL,
    token: string | undefined,
  ): Reply {
    const [kind = '', ...pathParts] = parts;
    const path = pathParts.join('/');
    const apiPath = [mount, kind, path].join('/');
    const cap = (c: Capability) => tokens.authorize(token, apiPath, c);
    const exists = () => {
      try {
        kv.readMetadata(path);
        return true;
      } catch {
        return false;
      }
    };
    if (kind === 'data') {
      if (method === 'GET') {
        cap('read');
        const version = url.searchParams.get('version');
        return ok(kv.read(path, version === null ? undefined : Number(version)));
      }
      if (method === 'POST' || method === 'PUT') {
        cap(exists() ? 'update' : 'create');
        return ok(kv.write(path, body));
      }
      if (method === 'DELETE') {
        cap('delete');
        kv.deleteLatest(path);
        return { status: 204 };
      }
    }
    if (kind === 'metadata') {
      if (method === 'LIST') {
        cap('list');
        return ok(kv.list(path));
      }
      if (method === 'GET') {
        cap('read');
        return ok(kv.readMetadata(path));
      }
      if (method === 'POST' || method === 'PUT') {
        cap(exists() ? 'update' : 'create');
        kv.writeMetadata(path, body);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        cap('delete');
        kv.deleteMetadata(path);
        return { status: 204 };
      }
    }
    if ((kind === 'delete' || kind === 'undelete' || kind === 'destroy') && (method === 'POST' || method === 'PUT')) {
      cap('update');
      if (kind === 'delete') kv.deleteVersions(path, body.versions);
      else if (kind === 'undelete') kv.undeleteVersions(path, body.versions);
      else kv.destroyVersions(path, body.versions);
      return { status: 204 };
    }
    throw new VaultHttpError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
  }

  function kvV1(
    kv: Map<string, Record<string, unknown>>,
    method: string,
    apiPath: string,
    path: string,
    body: Record<string, unknown>,
    token: string | undefined,
  ): Reply {
    if (method === 'LIST') {
      tokens.authorize(token, apiPath, 'list');
      const base = path === '' || path.endsWith('/') ? path : `${path}/`;
      const keys = [...new Set([...kv.keys()].filter((k) => k.startsWith(base)).map((k) => k.slice(base.length).replace(/\/.*$/, '/')))];
      if (keys.length === 0) throw notFound();
      return ok({ keys: keys.sort() });
    }
    if (method === 'GET') {
      tokens.authorize(token, apiPath, 'read');
      const found = kv.get(path);
      if (!found) throw notFound();
      return ok(structuredClone(found));
    }
    if (method === 'POST' || method === 'PUT') {
      tokens.authorize(token, apiPath, kv.has(path) ? 'update' : 'create');
      kv.set(path, structuredClone(body));
      return { status: 204 };
    }
    if (method === 'DELETE') {
      tokens.authorize(token, apiPath, 'delete');
      kv.delete(path);
      return { status: 204 };
    }
    throw new VaultHttpError(405, ['1 error occurred:\n\t* unsupported operation\n\n']);
  }

  function health(url: URL): Reply {
    const body = {
      initialized: true,
      sealed: faults.sealed,
      standby: faults.standby && !faults.sealed,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: '1.15.0+standin',
      cluster_name: 'keyturn-standin',
      cluster_id: 'standin',
    };
    const flag = (name: string) => ['1', 't', 'true'].includes(url.searchParams.get(name) ?? '');
    if (faults.sealed) return { status: Number(url.searchParams.get('sealedcode') ?? 503), body };
    if (faults.standby) return { status: flag('standbyok') ? 200 : Number(url.searchParams.get('standbycode') ?? 429), body };
    return { status: 200, body };
  }

  /** Test and operator controls; not Vault's API, never counted or faulted. */
  function admin(method: string, what: string, raw: string): Reply {
    const body = parseJson(raw);
    if (what === 'faults' && method === 'POST') {
      faults.set(body as FaultConfig);
      return { status: 204 };
    }
    if (what === 'faults') return { status: 200, body: { config: faults.current, injected: faults.injected } };
    if (what === 'token' && method === 'POST') {
      tokens.add(String(body.token), body.options as TokenOptions);
      return { status: 204 };
    }
    if (what === 'approle' && method === 'POST') {
      tokens.addRole(body as unknown as AppRole);
      return { status: 204 };
    }
    if (what === 'stats') return { status: 200, body: { ...stats, renewals: tokens.renewals } };
    return { status: 404, body: { errors: [] } };
  }

  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const front = listFrontEnd((server.address() as AddressInfo).port, host);
  front.listen(options.port ?? 0, host);
  await once(front, 'listening');
  const port = (front.address() as AddressInfo).port;

  return {
    url: `http://${host}:${port}`,
    rootToken,
    tokens,
    faults,
    stats,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => server.close(r))]);
    },
  };
}

function ok(data: unknown): Reply {
  return { status: 200, body: { data }, envelope: true };
}

/** Vault's success envelope around `data` (and `auth`), or an error body as it stands. */
function send(res: http.ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  if (reply.status === 204) {
    res.writeHead(204).end();
    return;
  }
  const body = reply.envelope
    ? {
        request_id: randomUUID(),
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings: null,
        auth: null,
        ...(reply.body as object),
      }
    : reply.body;
  const text = JSON.stringify(body);
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function isList(method: string | undefined, url: URL): boolean {
  // Vault parses `list` as a Go bool: 1, t, T, TRUE, true, True all count
  return method === 'GET' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(url.searchParams.get('list') ?? '');
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function requireToken(token: string | undefined): string {
  if (token === undefined) throw new VaultHttpError(403, ['permission denied']);
  return token;
}

function parseJson(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    throw new VaultHttpError(400, ['error parsing JSON']);
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function mountInfo(mount: string, version: string) {
  return {
    type: 'kv',
    path: `${mount}/`,
    description: '',
    options: { version },
    config: { default_lease_ttl: 0, max_lease_ttl: 0 },
    local: false,
    seal_wrap: false,
  };
}
