/**
 * The Vault stand-in: an HTTP server speaking the part of Vault's API keyturn uses, routed by
 * the table in routes.ts, behind a TCP front end that accepts the LIST method. Around the
 * routes it does what Vault's core does, in the same order (hashicorp/vault http/handler.go,
 * http/logical.go, vault/request_handling.go): sys/health without a token, sealed, the
 * namespace header, the refusal to write to a path ending in "/", login paths without a token,
 * the token check, the ACL, then the route; Vault's envelopes and error bodies. Optional
 * persistence in a file (`dataFile`). See docs/vault.md for what it does not do.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import {
  TokenTable,
  type AppRole,
  type JwtConfig,
  type JwtRole,
  type KubernetesConfig,
  type KubernetesRole,
  type PathRule,
  type TokenOptions,
} from './auth.js';
import { Faults, type FaultConfig } from './faults.js';
import { VaultHttpError, badRequest, unsupportedOperation } from './http-error.js';
import { KvEngine } from './kv-engine.js';
import { listFrontEnd } from './list-front.js';
import { candidates, capabilityFor, type Call, type Reply, type Space, type StandInState } from './routes.js';
import { loadState, saveState } from './state-file.js';

export interface StandInOptions {
  host?: string;
  /** 0: any free port */
  port?: number;
  rootToken?: string;
  /** KV v2 mounts (default ["secret"]) */
  kv2Mounts?: string[];
  /** KV v1 mounts (default ["kv1"]), present so keyturn's refusal of v1 can be proven */
  kv1Mounts?: string[];
  /**
   * Vault Enterprise namespaces that exist (each with its own mounts). Undefined: Vault CE,
   * which ignores X-Vault-Namespace and serves every request from the root namespace.
   */
  namespaces?: string[];
  /** keep the state (secrets, tokens, roles) in this file across restarts, as Vault's file storage does */
  dataFile?: string;
  /** told of every Vault API request (method, path, status), for tests that count requests by purpose */
  onRequest?: (method: string, path: string, status: number) => void;
}

export interface StandInStats {
  requests: number;
  byMethod: Record<string, number>;
  /** by route name (routes.ts), for the request counts by purpose */
  byRoute: Record<string, number>;
}

export interface VaultStandIn {
  url: string;
  rootToken: string;
  tokens: TokenTable;
  faults: Faults;
  stats: StandInStats;
  /** Vault Enterprise namespaces that exist, or undefined (CE) */
  namespaces: Set<string> | undefined;
  close(): Promise<void>;
}

export async function startVaultStandIn(options: StandInOptions = {}): Promise<VaultStandIn> {
  const host = options.host ?? '127.0.0.1';
  const rootToken = options.rootToken ?? 'root';
  const tokens = new TokenTable();
  const faults = new Faults();
  const stats: StandInStats = { requests: 0, byMethod: {}, byRoute: {} };
  const kv2 = new Set(options.kv2Mounts ?? ['secret']);
  const kv1 = new Set(options.kv1Mounts ?? ['kv1']);
  const namespaces = options.namespaces === undefined ? undefined : new Set(options.namespaces.map(trimSlashes));
  const spaces = new Map<string, Space>();
  const state: StandInState = {
    tokens,
    faults,
    kv2,
    kv1,
    approleMounts: new Set(['approle']),
    space(ns: string) {
      let s = spaces.get(ns);
      if (!s) {
        s = { v2: new Map([...kv2].map((m) => [m, new KvEngine()])), v1: new Map([...kv1].map((m) => [m, new Map()])) };
        spaces.set(ns, s);
      }
      return s;
    },
  };
  if (options.dataFile) loadState(options.dataFile, { tokens, space: state.space, spaces });
  if (!tokensHas(tokens, rootToken)) tokens.add(rootToken);
  const persist = () => {
    if (options.dataFile) saveState(options.dataFile, { tokens, spaces });
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, { status: 500, body: { errors: [String(error)] } }));
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://standin');
    const raw = await readBody(req);
    if (url.pathname.startsWith('/_standin/')) {
      const reply = admin(req.method ?? 'GET', url.pathname.slice('/_standin/'.length), raw);
      if (reply.status < 300 && req.method === 'POST') persist();
      return send(res, reply);
    }
    if (!url.pathname.startsWith('/v1/')) return send(res, { status: 404, body: { errors: [] } });
    const apiPath = decodeURIComponent(url.pathname.slice('/v1/'.length));
    stats.requests += 1;
    let method = req.method ?? 'GET';
    try {
      if (method === 'GET' && parseBool(url.searchParams.get('list') ?? '', 'list')) method = 'LIST';
    } catch {
      // http/logical.go buildLogicalRequestNoAuth: strconv.ParseBool fails → 400 with no message
      return send(res, { status: 400, body: { errors: [] } });
    }
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const decision = faults.decide(apiPath);
    if (decision.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (decision.kind === 'fail')
      return send(res, { status: decision.status, body: { errors: [`stand-in injected fault: ${decision.status}`] } });
    let reply: Reply;
    try {
      reply = route(method, apiPath, url, raw, req);
    } catch (error) {
      reply = replyOf(error);
    }
    if (reply.status < 400 && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) persist();
    options.onRequest?.(method, apiPath, reply.status);
    send(res, reply);
  }

  function route(method: string, apiPath: string, url: URL, raw: string, req: http.IncomingMessage): Reply {
    if (apiPath === 'sys/health') {
      stats.byRoute['sys/health'] = (stats.byRoute['sys/health'] ?? 0) + 1;
      return health(method, url);
    }
    if (faults.sealed) throw new VaultHttpError(503, ['Vault is sealed']);
    const ns = namespaceOf(header(req, 'x-vault-namespace'), apiPath);
    // vault/request_handling.go handleCancelableRequest, before the token is looked at
    if (apiPath.endsWith('/') && (method === 'POST' || method === 'PUT')) throw badRequest("cannot write to a path ending in '/'");
    // http/logical.go buildLogicalRequestNoAuth: a PATCH is a JSON merge patch or nothing
    const contentType = (header(req, 'content-type') ?? '').split(';')[0]!.trim();
    if (method === 'PATCH' && contentType !== 'application/merge-patch+json') {
      throw new VaultHttpError(415, [`PATCH requires Content-Type of application/merge-patch+json, provided ${contentType}`]);
    }
    const body = parseJson(raw);
    const token = header(req, 'x-vault-token');
    const found = candidates(state, apiPath);
    const match = found.find((f) => f.route.methods.includes(method));
    const call: Call = { method, path: apiPath, query: url.searchParams, body, token, ns, groups: match?.groups ?? {} };
    if (match?.route.login) {
      stats.byRoute[match.route.name] = (stats.byRoute[match.route.name] ?? 0) + 1;
      return match.route.handle(state, call);
    }
    tokens.check(token);
    tokens.authorize(token, apiPath, capabilityFor(match?.route, state, call));
    if (!match) {
      if (found.length > 0) throw unsupportedOperation();
      throw new VaultHttpError(404, [`no handler for route ${JSON.stringify(apiPath)}. route entry not found.`]);
    }
    stats.byRoute[match.route.name] = (stats.byRoute[match.route.name] ?? 0) + 1;
    const reply = match.route.handle(state, call);
    return reply.envelope ? { ...reply, body: { mount_type: match.route.mountType, ...(reply.body as object) } } : reply;
  }

  /** CE ignores the header; Enterprise serves a namespace that exists and refuses one that does not. */
  function namespaceOf(value: string | undefined, apiPath: string): string {
    if (namespaces === undefined) return '';
    const ns = trimSlashes(value ?? '');
    if (ns === '' || ns === 'root') return '';
    if (!namespaces.has(ns))
      throw new VaultHttpError(404, [`no handler for route ${JSON.stringify(`${ns}/${apiPath}`)}. route entry not found.`]);
    return ns;
  }

  /** http/sys_health.go getSysHealth: flags parsed as Go bools (a bad one is 400), codes as integers. */
  function health(method: string, url: URL): Reply {
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: { errors: [] } };
    const q = url.searchParams;
    let standbyOk: boolean;
    try {
      standbyOk = q.has('standbyok') ? parseBool(q.get('standbyok')!, 'standbyok') : false;
    } catch {
      return { status: 400, body: { errors: [] } };
    }
    const code = (name: string, fallback: number): number | undefined => {
      if (!q.has(name)) return fallback;
      const n = Number(q.get(name));
      return /^-?\d+$/.test(q.get(name) ?? '') ? n : undefined;
    };
    const codes = { sealed: code('sealedcode', 503), standby: code('standbycode', 429), active: code('activecode', 200) };
    if (codes.sealed === undefined || codes.standby === undefined || codes.active === undefined)
      return { status: 400, body: { errors: [] } };
    const body: Record<string, unknown> = {
      initialized: true,
      sealed: faults.sealed,
      standby: faults.standby && !faults.sealed,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: '1.15.0+standin',
    };
    if (!faults.sealed) Object.assign(body, { cluster_name: 'keyturn-standin', cluster_id: 'standin' });
    if (faults.sealed) return { status: codes.sealed, body };
    if (faults.standby) return { status: standbyOk ? codes.active : codes.standby, body };
    return { status: codes.active, body };
  }

  /** Test and operator controls; not Vault's API, never counted or faulted. */
  function admin(method: string, what: string, raw: string): Reply {
    const body = parseJson(raw);
    if (what === 'faults' && method === 'POST') {
      faults.set(body as FaultConfig);
      return { status: 204 };
    }
    if (what === 'faults') return { status: 200, body: { config: faults.current, injected: faults.injected } };
    if (method === 'POST') {
      switch (what) {
        case 'token':
          tokens.add(String(body.token), body.options as TokenOptions);
          return { status: 204 };
        case 'policy':
          tokens.addPolicy(String(body.name), body.rules as PathRule[]);
          return { status: 204 };
        case 'approle':
          tokens.addRole(body as unknown as AppRole);
          return { status: 204 };
        case 'kubernetes/config':
          tokens.configureKubernetes(String(body.mount ?? 'kubernetes'), body as unknown as KubernetesConfig);
          return { status: 204 };
        case 'kubernetes/role':
          tokens.addKubernetesRole(String(body.mount ?? 'kubernetes'), body as unknown as KubernetesRole);
          return { status: 204 };
        case 'jwt/config':
          tokens.configureJwt(String(body.mount ?? 'jwt'), body as unknown as JwtConfig);
          return { status: 204 };
        case 'jwt/role':
          tokens.addJwtRole(String(body.mount ?? 'jwt'), body as unknown as JwtRole);
          return { status: 204 };
        case 'namespace':
          namespaces?.add(trimSlashes(String(body.path)));
          return { status: 204 };
      }
    }
    if (what === 'stats') {
      // cpuMs: this process's CPU time, for the bench's split of where a rotation's time goes
      const cpu = process.cpuUsage();
      const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
      return { status: 200, body: { ...stats, renewals: tokens.renewals, logins: tokens.logins, cpuMs } };
    }
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
    namespaces,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => server.close(r))]);
    },
  };
}

function replyOf(error: unknown): Reply {
  if (error instanceof VaultHttpError) {
    return error.body !== undefined
      ? { status: error.status, body: error.body, envelope: true }
      : { status: error.status, body: { errors: error.errors } };
  }
  throw error;
}

/**
 * Vault's success envelope (sdk/logical translate_response.go HTTPResponse) around `data`,
 * `auth` and `warnings`, or an error body as it stands. A handler with nothing to return: 204.
 */
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
        mount_type: '',
        ...(reply.body as object),
      }
    : reply.body;
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(reply.status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

/** parseutil.ParseBool (mapstructure's weak string → bool): strconv.ParseBool, and "" is false. */
function parseBool(value: string, name: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(value)) return false;
  throw badRequest(`bad value for ${name} parameter`);
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+|\/+$/g, '');
}

function tokensHas(tokens: TokenTable, token: string): boolean {
  try {
    tokens.check(token);
    return true;
  } catch {
    return false;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** http/logical.go parseJSONRequest: an empty body is no data; anything but a JSON object is refused. */
function parseJson(raw: string): Record<string, unknown> {
  if (raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    throw badRequest('error parsing JSON');
  }
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
