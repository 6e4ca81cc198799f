/**
 * Connections to the server: the administrative one (its credential read from a store
 * declared in rotation.yaml, like Binance's management key) and one-off logins with a key's
 * own material (verify, isDead). Every connection is opened for one piece of work and
 * closed after it: a rotation needs a handful, and nothing is left holding a session.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { RunContext } from '../../context.js';
import { errors, isKeyturnError } from '../../errors.js';
import type { KeyMaterial } from '../../model.js';
import type { PostgresOptions } from './options.js';

export interface Login {
  user: string;
  password: string;
}

/** SQLSTATE 28P01: invalid_password (also what an expired VALID UNTIL answers). */
export const INVALID_PASSWORD = '28P01';

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export async function readAdmin(issuer: string, options: PostgresOptions, ctx: RunContext): Promise<Login> {
  const { store: storeName, path: where } = options.admin;
  if (!ctx.store) throw errors.issuer(`issuer ${issuer}: this run has no stores to read the admin credential from`);
  const store = await ctx.store(storeName).catch(() => {
    throw errors.config(`issuer ${issuer}: admin.store ${storeName} is not declared under stores`);
  });
  const version = await store.current({ store: storeName, path: where, key: `${issuer}:admin` });
  const material = version?.material ?? {};
  if (material.password) ctx.redactor.add(material.password);
  if (!material.username || !material.password) {
    throw errors.issuer(
      `issuer ${issuer}: no admin credential at ${storeName}:${where}`,
      `put it there with \`keyturn store put ${storeName} ${where}\` (fields username and password)`,
    );
  }
  return { user: material.username, password: material.password };
}

export async function sslConfig(options: PostgresOptions, baseDir: string): Promise<pg.ClientConfig['ssl']> {
  if (options.sslmode === 'disable') return false;
  if (options.sslmode === 'require') return { rejectUnauthorized: false };
  const ca = options.caFile ? await readFile(path.resolve(baseDir, options.caFile), 'utf8') : undefined;
  const verified = { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  // verify-ca: the chain must check out, the host name need not match (libpq's meaning)
  return options.sslmode === 'verify-ca' ? { ...verified, checkServerIdentity: () => undefined } : verified;
}

export interface Connector {
  /** Run `work` on a fresh connection as `login` (the admin credential when omitted), then close it. */
  with<T>(login: Login | undefined, work: (client: pg.Client) => Promise<T>, what: string): Promise<T>;
  /** Open and close a connection as `login`: undefined when it worked, else the server's SQLSTATE (or throws for no answer). */
  tryLogin(login: Login): Promise<string | undefined>;
}

export function connector(issuer: string, options: PostgresOptions, ctx: RunContext): Connector {
  let admin: Promise<Login> | undefined;
  let ssl: Promise<pg.ClientConfig['ssl']> | undefined;
  const adminLogin = () => {
    admin ??= readAdmin(issuer, options, ctx);
    admin.catch(() => (admin = undefined));
    return admin;
  };
  const open = async (login: Login): Promise<pg.Client> => {
    ssl ??= sslConfig(options, ctx.cwd);
    const client = new pg.Client({
      host: options.host,
      port: options.port,
      database: options.database,
      user: login.user,
      password: login.password,
      ssl: await ssl,
      connectionTimeoutMillis: options.connectTimeoutMs,
      application_name: 'keyturn',
    });
    // an idle client's socket error must not become an unhandled 'error' event
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const where = `${options.host}:${options.port}/${options.database}`;
  const failure = (what: string, as: string, error: unknown) => {
    const state = sqlStateOf(error);
    const message = ctx.redactor.redact(error instanceof Error ? error.message : String(error));
    return errors.issuer(`issuer ${issuer}: ${what} on ${where} as ${as}: ${message}${state ? ` (SQLSTATE ${state})` : ''}`);
  };
  return {
    async with(login, work, what) {
      const as = login ?? (await adminLogin());
      let client: pg.Client;
      try {
        client = await open(as);
      } catch (error) {
        throw failure(`connecting for ${what}`, as.user, error);
      }
      try {
        return await work(client);
      } catch (error) {
        throw isKeyturnError(error) ? error : failure(what, as.user, error);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async tryLogin(login) {
      try {
        const client = await open(login);
        await client.end().catch(() => undefined);
        return undefined;
      } catch (error) {
        const state = sqlStateOf(error);
        if (state) return state;
        throw failure('trying a login', login.user, error);
      }
    },
  };
}

/** A key's material: the username and password a consumer logs in with, and where to. */
export function materialFor(options: PostgresOptions, user: string, password: string): KeyMaterial {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const query = options.sslmode === 'disable' ? '' : `?sslmode=${options.sslmode}`;
  const url = `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${options.port}/${encodeURIComponent(options.database)}${query}`;
  return { username: user, password, host: options.host, port: String(options.port), database: options.database, url };
}
