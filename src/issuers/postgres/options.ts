/**
 * The postgres issuer's options (rotation.yaml `issuers.NAME`) and a key's spec, in a module
 * light enough for config load: it never imports `pg`. The administrative credential is
 * named by store and path, never written here.
 *
 * options: host, port (5432), database (postgres), sslmode (disable | require | verify-ca |
 *   verify-full; default verify-full), caFile, admin { store, path } holding
 *   { username, password }, scramIterations (4096), passwordLength (32), connectTimeout (10s).
 * spec: { strategy: alternating, roles: [a, b], group?, verifyQuery?, terminateSessions? }
 *   or { strategy: single, role, verifyQuery?, terminateSessions? }.
 */
import { OptionReader } from '../../adapters/option-reader.js';
import type { KeyConfig } from '../../config/types.js';
import { specOrThrow, unknownFields, type IssuerKind, type Report } from '../spec.js';

export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface PostgresOptions {
  host: string;
  port: number;
  database: string;
  sslmode: SslMode;
  /** path of the CA bundle that signs the server's certificate (verify-ca, verify-full) */
  caFile?: string;
  admin: { store: string; path: string };
  scramIterations: number;
  passwordLength: number;
  connectTimeoutMs: number;
}

export interface AlternatingSpec {
  strategy: 'alternating';
  /** the two login roles, the one the application uses before keyturn's first rotation first */
  roles: [string, string];
  /** the NOLOGIN role both are members of; any shared one when absent */
  group?: string;
  verifyQuery?: string;
  terminateSessions: boolean;
}

export interface SingleSpec {
  strategy: 'single';
  role: string;
  verifyQuery?: string;
  terminateSessions: boolean;
}

export type PostgresSpec = AlternatingSpec | SingleSpec;

/**
 * Role names keyturn accepts: it quotes every identifier it sends, but a key id is
 * `pg:<role>:<rotation id>`, so a role name must not hold a colon, and 63 bytes is PostgreSQL's limit.
 */
export const ROLE_NAME = /^[A-Za-z_][A-Za-z0-9_$.-]{0,62}$/;

export const MATERIAL_FIELDS = ['username', 'password', 'host', 'port', 'database', 'url'] as const;

function parseOptions(raw: Record<string, unknown>, report: Report): PostgresOptions | undefined {
  const o = new OptionReader(raw, report);
  const host = o.requiredText('host', 'the PostgreSQL server (or the pooler in front of it), e.g. db.internal or 127.0.0.1');
  const port = o.count('port', 1, 65_535) ?? 5432;
  const database = o.text('database') ?? 'postgres';
  const sslmode = o.text('sslmode') ?? 'verify-full';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) o.problem(['sslmode'], `must be one of ${SSL_MODES.join(', ')}`);
  const caFile = o.text('caFile');
  if (caFile !== undefined && (sslmode === 'disable' || sslmode === 'require')) {
    o.problem(['caFile'], `is only used with sslmode verify-ca or verify-full (sslmode is ${sslmode})`);
  }
  const admin = o.section('admin');
  if (!admin || typeof admin.store !== 'string' || typeof admin.path !== 'string' || !admin.store || !admin.path) {
    o.problem(['admin'], 'needs { store, path }: where the administrative credential { username, password } is kept (never its value)');
  } else {
    for (const field of Object.keys(admin)) {
      if (field !== 'store' && field !== 'path') o.problem(['admin', field], 'is not an option of admin: it takes store and path only');
    }
  }
  const scramIterations = o.count('scramIterations', 4096, 10_000_000) ?? 4096;
  const passwordLength = o.count('passwordLength', 24, 128) ?? 32;
  const connectTimeoutMs = o.duration('connectTimeout', 10_000);
  if (!o.ok || host === undefined || !admin || connectTimeoutMs === undefined) return undefined;
  return {
    host,
    port,
    database,
    sslmode: sslmode as SslMode,
    ...(caFile === undefined ? {} : { caFile }),
    admin: { store: admin.store as string, path: admin.path as string },
    scramIterations,
    passwordLength,
    connectTimeoutMs,
  };
}

const SPEC_FIELDS = ['strategy', 'roles', 'role', 'group', 'verifyQuery', 'terminateSessions'] as const;

function roleName(value: unknown, path: Array<string | number>, report: Report): string | undefined {
  if (typeof value === 'string' && ROLE_NAME.test(value)) return value;
  report(
    path,
    value === undefined ? 'is required' : 'is not a role name keyturn accepts',
    'a letter or _, then letters, digits, _ $ . - (63 at most)',
  );
  return undefined;
}

function parseSpec(spec: Record<string, unknown>, report: Report): PostgresSpec | undefined {
  let ok = !unknownFields(spec, SPEC_FIELDS, 'postgres', report);
  const strategy = spec.strategy ?? 'alternating';
  const { verifyQuery, terminateSessions = false } = spec;
  if (verifyQuery !== undefined && (typeof verifyQuery !== 'string' || verifyQuery.trim() === '')) {
    report(['verifyQuery'], "must be a query that returns true, e.g. SELECT has_table_privilege('orders', 'SELECT')");
    ok = false;
  }
  if (typeof terminateSessions !== 'boolean') {
    report(['terminateSessions'], 'must be true or false');
    ok = false;
  }
  const common = {
    ...(typeof verifyQuery === 'string' ? { verifyQuery } : {}),
    terminateSessions: terminateSessions === true,
  };
  if (strategy === 'alternating') {
    if (spec.role !== undefined) {
      report(['role'], 'belongs to strategy single', 'an alternating key names two login roles: roles: [app_blue, app_green]');
      ok = false;
    }
    const roles = spec.roles;
    if (!Array.isArray(roles) || roles.length !== 2) {
      report(['roles'], 'needs exactly two login roles, e.g. [app_blue, app_green]');
      return undefined;
    }
    const names = roles.map((r, i) => roleName(r, ['roles', i], report));
    if (names[0] && names[0] === names[1]) {
      report(['roles'], 'names the same role twice: alternating needs two different login roles');
      ok = false;
    }
    const group = spec.group === undefined ? undefined : roleName(spec.group, ['group'], report);
    if (spec.group !== undefined && !group) ok = false;
    if (!ok || !names[0] || !names[1]) return undefined;
    return { strategy, roles: [names[0], names[1]], ...(group ? { group } : {}), ...common };
  }
  if (strategy === 'single') {
    for (const field of ['roles', 'group'] as const) {
      if (spec[field] !== undefined) {
        report([field], 'belongs to strategy alternating', 'a single key names one role: role: app');
        ok = false;
      }
    }
    const role = roleName(spec.role, ['role'], report);
    if (!ok || !role) return undefined;
    return { strategy, role, ...common };
  }
  report(['strategy'], `must be alternating or single, not ${JSON.stringify(strategy)}`);
  return undefined;
}

export const postgresKind: IssuerKind<PostgresSpec, PostgresOptions> = {
  parseOptions: (raw, report) => parseOptions(raw, report),
  parseSpec: (spec, _options, report) => parseSpec(spec, report),
  fields: () => MATERIAL_FIELDS,
};

export function parsePostgresSpec(key: KeyConfig): PostgresSpec {
  return specOrThrow(postgresKind, key, {});
}

/** The login roles a key's spec names. */
export function rolesOf(spec: PostgresSpec): readonly string[] {
  return spec.strategy === 'alternating' ? spec.roles : [spec.role];
}
