/**
 * Every Vault route the stand-in serves, one entry each, with the Vault source it follows. The
 * server (server.ts) does what Vault's core does around them, in Vault's order: sys/health,
 * sealed, the write-to-a-folder refusal, login paths without a token, the token check, the ACL
 * (create or update decided by the route's existence check), then the handler.
 */
import type { TokenTable, Capability } from './auth.js';
import type { Faults } from './faults.js';
import { VaultHttpError, badRequest, notFound } from './http-error.js';
import type { KvEngine } from './kv-engine.js';

export interface Space {
  v2: Map<string, KvEngine>;
  v1: Map<string, Map<string, Record<string, unknown>>>;
}

export interface StandInState {
  tokens: TokenTable;
  faults: Faults;
  kv2: Set<string>;
  kv1: Set<string>;
  approleMounts: Set<string>;
  space(ns: string): Space;
}

export interface Call {
  /** GET, LIST (a LIST request or GET ?list=true), POST, PUT, DELETE */
  method: string;
  /** the API path without /v1/ */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  token?: string;
  ns: string;
  groups: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
  /** wrap `body` (its data, auth, warnings) in Vault's response envelope */
  envelope?: boolean;
}

export interface Route {
  name: string;
  /** the Vault source this route follows */
  source: string;
  methods: readonly string[];
  pattern: RegExp;
  /** the `mount` group must name a mount of this kind */
  mount?: 'kv2' | 'kv1';
  /** a login path: no token needed (vault/router.go LoginPath) */
  login?: boolean;
  /** the existence check for POST/PUT: true means the ACL wants update, false create (none: always update) */
  exists?: (state: StandInState, call: Call) => boolean;
  /** the response's mount_type */
  mountType: string;
  handle(state: StandInState, call: Call): Reply;
}

const READ = ['GET'] as const;
const WRITE = ['POST', 'PUT'] as const;

export function ok(data: unknown, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { data, ...extra }, envelope: true };
}

const noContent = (): Reply => ({ status: 204 });
const kv = (state: StandInState, call: Call) => state.space(call.ns).v2.get(call.groups.mount!)!;
const kvPath = (call: Call) => call.groups.path ?? '';

function mountInfo(mount: string, type: string, version?: string) {
  return {
    accessor: `${type}_standin`,
    config: { default_lease_ttl: 0, force_no_cache: false, max_lease_ttl: 0 },
    description: '',
    external_entropy_access: false,
    local: false,
    options: version === undefined ? null : { version },
    path: `${mount}/`,
    plugin_version: '',
    running_plugin_version: `v0.0.0+builtin`,
    running_sha256: '',
    seal_wrap: false,
    type,
    uuid: `standin-${mount}`,
  };
}

/** backend.go pathInvalid: a v1-style or root path on a v2 mount answers 404 with a warning and no data. */
function invalidKvPath(rest: string, method: string): Reply {
  if (['metadata', 'data', 'delete', 'undelete', 'destroy'].includes(rest)) {
    return {
      status: 404,
      body: { mount_type: '', warnings: ['Non-listing operations on the root of a K/V v2 mount are not supported.'] },
      envelope: true,
    };
  }
  const sub = { POST: 'put', PUT: 'put', PATCH: 'patch', GET: 'get', LIST: 'list', DELETE: 'delete' }[method] ?? '';
  return {
    status: 404,
    body: {
      // a raw body made inside the backend (logical.RespondWithStatusCode), before the core sets mount_type
      mount_type: '',
      warnings: [
        `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${sub}' for this operation.`,
      ],
    },
    envelope: true,
  };
}

export const ROUTES: readonly Route[] = [
  {
    name: 'sys/mounts',
    source: 'hashicorp/vault vault/logical_system.go handleMountTable',
    methods: READ,
    pattern: /^sys\/mounts$/,
    mountType: 'system',
    handle(state) {
      const mounts = Object.fromEntries([
        ...[...state.kv2].map((m) => [`${m}/`, mountInfo(m, 'kv', '2')]),
        ...[...state.kv1].map((m) => [`${m}/`, mountInfo(m, 'kv', '1')]),
        ['sys/', mountInfo('sys', 'system')],
      ]);
      return { status: 200, body: { ...mounts, data: mounts }, envelope: true };
    },
  },
  {
    name: 'sys/internal/ui/mounts',
    source: 'hashicorp/vault vault/logical_system.go pathInternalUIMountRead',
    methods: READ,
    pattern: /^sys\/internal\/ui\/mounts\/(?<target>.+)$/,
    login: true,
    mountType: 'system',
    handle(state, call) {
      const target = call.groups.target!.replace(/\/?$/, '/');
      const mount = target.split('/')[0] ?? '';
      const kind = state.kv2.has(mount) ? '2' : state.kv1.has(mount) ? '1' : undefined;
      let reachable: boolean;
      try {
        reachable = kind !== undefined && state.tokens.mayReach(call.token, `${mount}/`);
      } catch {
        reachable = false;
      }
      if (!reachable) {
        throw new VaultHttpError(403, [
          `preflight capability check returned 403, please ensure client's policies grant access to path "${target}"`,
        ]);
      }
      return ok(mountInfo(mount, 'kv', kind));
    },
  },
  {
    name: 'token lookup-self',
    source: 'hashicorp/vault vault/token_store.go handleLookupSelf',
    methods: READ,
    pattern: /^auth\/token\/lookup-self$/,
    mountType: 'token',
    handle: (state, call) => ok(state.tokens.lookup(call.token!)),
  },
  {
    name: 'token renew-self',
    source: 'hashicorp/vault vault/token_store.go handleRenewSelf',
    methods: WRITE,
    pattern: /^auth\/token\/renew-self$/,
    mountType: 'token',
    handle: (state, call) => ({
      status: 200,
      body: { auth: state.tokens.renew(call.token!, Number(call.body.increment) || undefined) },
      envelope: true,
    }),
  },
  {
    name: 'approle login',
    source: 'hashicorp/vault builtin/credential/approle/path_login.go pathLoginUpdate',
    methods: WRITE,
    pattern: /^auth\/(?<auth>[^/]+)\/login$/,
    login: true,
    mountType: 'approle',
    handle: (state, call) => ({ status: 200, body: { auth: state.tokens.loginAppRole(call.groups.auth!, call.body) }, envelope: true }),
  },
  {
    name: 'kubernetes login',
    source: 'hashicorp/vault-plugin-auth-kubernetes path_login.go pathLogin',
    methods: WRITE,
    pattern: /^auth\/(?<auth>[^/]+)\/login$/,
    login: true,
    mountType: 'kubernetes',
    handle: (state, call) => ({ status: 200, body: { auth: state.tokens.loginKubernetes(call.groups.auth!, call.body) }, envelope: true }),
  },
  {
    name: 'jwt login',
    source: 'hashicorp/vault-plugin-auth-jwt path_login.go pathLogin',
    methods: WRITE,
    pattern: /^auth\/(?<auth>[^/]+)\/login$/,
    login: true,
    mountType: 'jwt',
    handle: (state, call) => ({ status: 200, body: { auth: state.tokens.loginJwt(call.groups.auth!, call.body) }, envelope: true }),
  },
  {
    name: 'kv2 data read',
    source: 'hashicorp/vault-plugin-secrets-kv path_data.go pathDataRead',
    methods: READ,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/data\/(?<path>.*[^/])$/,
    mountType: 'kv',
    handle(state, call) {
      const raw = call.query.get('version');
      const version = raw === null || raw === '' ? undefined : Number(raw);
      if (version !== undefined && !Number.isInteger(version))
        throw badRequest(`error converting input ${raw} for field "version": cannot parse '' as int`);
      return ok(kv(state, call).read(kvPath(call), version));
    },
  },
  {
    name: 'kv2 data write',
    source: 'hashicorp/vault-plugin-secrets-kv path_data.go pathDataWrite',
    methods: WRITE,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/data\/(?<path>.*[^/])$/,
    exists: (state, call) => kv(state, call).exists(kvPath(call)),
    mountType: 'kv',
    handle: (state, call) => ok(kv(state, call).write(kvPath(call), call.body)),
  },
  {
    name: 'kv2 data delete',
    source: 'hashicorp/vault-plugin-secrets-kv path_data.go pathDataDelete',
    methods: ['DELETE'],
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/data\/(?<path>.*[^/])$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).deleteLatest(kvPath(call));
      return noContent();
    },
  },
  {
    name: 'kv2 metadata list',
    source: 'hashicorp/vault-plugin-secrets-kv path_metadata.go pathMetadataList',
    methods: ['LIST'],
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/metadata\/(?<path>.*)$/,
    mountType: 'kv',
    handle: (state, call) => ok(kv(state, call).list(kvPath(call))),
  },
  {
    name: 'kv2 metadata read',
    source: 'hashicorp/vault-plugin-secrets-kv path_metadata.go pathMetadataRead',
    methods: READ,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/metadata\/(?<path>.*)$/,
    mountType: 'kv',
    handle: (state, call) => ok(kv(state, call).readMetadata(kvPath(call))),
  },
  {
    name: 'kv2 metadata write',
    source: 'hashicorp/vault-plugin-secrets-kv path_metadata.go pathMetadataWrite',
    methods: WRITE,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/metadata\/(?<path>.*)$/,
    exists: (state, call) => kv(state, call).exists(kvPath(call)),
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).writeMetadata(kvPath(call), call.body);
      return noContent();
    },
  },
  {
    name: 'kv2 metadata patch',
    source: 'hashicorp/vault-plugin-secrets-kv path_metadata.go pathMetadataPatch',
    methods: ['PATCH'],
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/metadata\/(?<path>.*)$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).patchMetadata(kvPath(call), call.body);
      return noContent();
    },
  },
  {
    name: 'kv2 metadata delete',
    source: 'hashicorp/vault-plugin-secrets-kv path_metadata.go pathMetadataDelete',
    methods: ['DELETE'],
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/metadata\/(?<path>.*)$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).deleteMetadata(kvPath(call));
      return noContent();
    },
  },
  {
    name: 'kv2 delete versions',
    source: 'hashicorp/vault-plugin-secrets-kv path_delete.go pathDeleteWrite',
    methods: WRITE,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/delete\/(?<path>.*[^/])$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).deleteVersions(kvPath(call), call.body.versions);
      return noContent();
    },
  },
  {
    name: 'kv2 undelete versions',
    source: 'hashicorp/vault-plugin-secrets-kv path_delete.go pathUndeleteWrite',
    methods: WRITE,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/undelete\/(?<path>.*[^/])$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).undeleteVersions(kvPath(call), call.body.versions);
      return noContent();
    },
  },
  {
    name: 'kv2 destroy versions',
    source: 'hashicorp/vault-plugin-secrets-kv path_destroy.go pathDestroyWrite',
    methods: WRITE,
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/destroy\/(?<path>.*[^/])$/,
    mountType: 'kv',
    handle(state, call) {
      kv(state, call).destroyVersions(kvPath(call), call.body.versions);
      return noContent();
    },
  },
  {
    name: 'kv2 invalid path',
    source: 'hashicorp/vault-plugin-secrets-kv backend.go pathInvalid',
    methods: ['GET', 'LIST', 'POST', 'PUT', 'PATCH', 'DELETE'],
    mount: 'kv2',
    pattern: /^(?<mount>[^/]+)\/(?<rest>.*)$/,
    mountType: 'kv',
    handle: (_state, call) => invalidKvPath(call.groups.rest ?? '', call.method),
  },
  {
    name: 'kv1 list',
    source: 'hashicorp/vault builtin/logical/kv (passthrough.go handleList)',
    methods: ['LIST'],
    mount: 'kv1',
    pattern: /^(?<mount>[^/]+)\/(?<path>.*)$/,
    mountType: 'kv',
    handle(state, call) {
      const base = kvPath(call) === '' || kvPath(call).endsWith('/') ? kvPath(call) : `${kvPath(call)}/`;
      const keys = [...kv1(state, call).keys()].filter((k) => k.startsWith(base)).map((k) => k.slice(base.length).replace(/\/.*$/, '/'));
      if (keys.length === 0) throw notFound();
      return ok({ keys: [...new Set(keys)].sort() });
    },
  },
  {
    name: 'kv1 read',
    source: 'hashicorp/vault builtin/logical/kv (passthrough.go handleRead)',
    methods: READ,
    mount: 'kv1',
    pattern: /^(?<mount>[^/]+)\/(?<path>.*)$/,
    mountType: 'kv',
    handle(state, call) {
      const found = kv1(state, call).get(kvPath(call));
      if (!found) throw notFound();
      return ok(structuredClone(found));
    },
  },
  {
    name: 'kv1 write',
    source: 'hashicorp/vault builtin/logical/kv (passthrough.go handleWrite)',
    methods: WRITE,
    mount: 'kv1',
    pattern: /^(?<mount>[^/]+)\/(?<path>.*)$/,
    exists: (state, call) => kv1(state, call).has(kvPath(call)),
    mountType: 'kv',
    handle(state, call) {
      if (Object.keys(call.body).length === 0) throw badRequest('missing data fields');
      kv1(state, call).set(kvPath(call), structuredClone(call.body));
      return noContent();
    },
  },
  {
    name: 'kv1 delete',
    source: 'hashicorp/vault builtin/logical/kv (passthrough.go handleDelete)',
    methods: ['DELETE'],
    mount: 'kv1',
    pattern: /^(?<mount>[^/]+)\/(?<path>.*)$/,
    mountType: 'kv',
    handle(state, call) {
      kv1(state, call).delete(kvPath(call));
      return noContent();
    },
  },
];

const kv1 = (state: StandInState, call: Call) => state.space(call.ns).v1.get(call.groups.mount!)!;

/** Which login route an auth mount's path takes, by the method enabled there. */
export function loginKind(state: StandInState, mount: string): 'approle login' | 'kubernetes login' | 'jwt login' | undefined {
  if (state.approleMounts.has(mount)) return 'approle login';
  if (state.tokens.hasKubernetes(mount)) return 'kubernetes login';
  if (state.tokens.hasJwt(mount)) return 'jwt login';
  return undefined;
}

/**
 * The routes of the first pattern (and mount kind) that matches a path, whatever the method: as
 * in sdk/framework backend.go, the first matching path decides, and a method it lacks is 405.
 */
export function candidates(state: StandInState, path: string): { route: Route; groups: Record<string, string> }[] {
  const found: { route: Route; groups: Record<string, string> }[] = [];
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    const groups = { ...(m.groups ?? {}) } as Record<string, string>;
    if (route.mount === 'kv2' && !state.kv2.has(groups.mount ?? '')) continue;
    if (route.mount === 'kv1' && !state.kv1.has(groups.mount ?? '')) continue;
    if (route.name.endsWith(' login') && route.name !== loginKind(state, groups.auth ?? '')) continue;
    if (found.length > 0 && found[0]!.route.pattern.source !== route.pattern.source) break;
    found.push({ route, groups });
  }
  return found;
}

/** The ACL capability a request needs (vault/request_handling.go checkToken's existence check). */
export function capabilityFor(route: Route | undefined, state: StandInState, call: Call): Capability {
  switch (call.method) {
    case 'GET':
      return 'read';
    case 'LIST':
      return 'list';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      return 'patch';
    default:
      return route?.exists && !route.exists(state, call) ? 'create' : 'update';
  }
}
