/**
 * The one typed adapter around node-vault (whose types are `any` and whose error classes are
 * not exported): every call keyturn makes to Vault, with KV v2 paths, bounded retries with
 * backoff on 5xx / 429 / dropped connections, and errors translated for the operator.
 * Nothing outside this file touches node-vault.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- node-vault answers untyped JSON; this file is where it gets its types */
import createClient from 'node-vault';
import type { KeyturnError } from '../../errors.js';
import { translate, type Attempted, type VaultFailure } from './errors.js';

export interface VaultClientOptions {
  endpoint: string;
  token?: string;
  namespace?: string;
  /** PEM of the CA that signed Vault's certificate */
  ca?: string;
  skipVerify?: boolean;
  /** attempts per call, first included (default 8: a Vault answering 503 one time in five still gets through) */
  attempts?: number;
  /** first backoff in ms, doubled each retry up to 1 s, with jitter (default 50) */
  backoffMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type DataRead =
  | { state: 'missing' }
  /** the latest (or asked) version is soft-deleted or destroyed: Vault still tells its number */
  | { state: 'deleted'; version: number }
  | { state: 'present'; version: number; data: Record<string, unknown>; customMetadata: Record<string, string> };

export interface MetadataRead {
  currentVersion: number;
  customMetadata: Record<string, string>;
  maxVersions: number;
}

export interface ClientStats {
  /** HTTP requests sent, retries included */
  requests: number;
  retries: number;
  /** logins (the first included) and token renewals */
  logins: number;
  renewals: number;
}

/** A token's lease as Vault states it at login, lookup or renewal. */
export interface TokenLease {
  /** seconds; 0: the token never expires */
  ttl: number;
  renewable: boolean;
}

/** Renew (or log in again) when this fraction of the token's life has passed. */
const RENEW_FRACTION = 2 / 3;
/** A token this close to its expiry is replaced before a request rather than after a refusal. */
const EXPIRY_MARGIN_MS = 1000;

type Raw = {
  read(path: string, options?: object): Promise<any>;
  write(path: string, data: unknown, options?: object): Promise<any>;
  /** PATCH with Content-Type application/merge-patch+json */
  update(path: string, data: unknown, options?: object): Promise<any>;
  delete(path: string, options?: object): Promise<any>;
  list(path: string, options?: object): Promise<any>;
  health(args?: object): Promise<any>;
  tokenLookupSelf(args?: object): Promise<any>;
  tokenRenewSelf(args?: object): Promise<any>;
  token: string | undefined;
};

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Waits between retries stop growing here, so a call's whole retry budget stays a few seconds. */
const MAX_BACKOFF_MS = 1000;
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

export class VaultClient {
  readonly endpoint: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, logins: 0, renewals: 0 };
  /** the last failure of background token renewal, for the next error message */
  renewalError: string | undefined;
  /** how to get a new token (undefined: a fixed token, from the environment or a file) */
  private relogin: (() => Promise<TokenLease>) | undefined;
  /** when the current token expires (ms since the epoch; 0: never) and whether renew-self can extend it */
  private lease = { expiresAt: 0, renewable: false, ttl: 0 };
  private timer: NodeJS.Timeout | undefined;
  private loggingIn: Promise<void> | undefined;
  private readonly raw: Raw;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: VaultClientOptions) {
    this.endpoint = options.endpoint.replace(/\/+$/, '');
    this.attempts = Math.max(1, options.attempts ?? 8);
    this.backoffMs = options.backoffMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    const requestOptions: Record<string, unknown> = {};
    if (options.ca !== undefined) requestOptions.ca = options.ca;
    if (options.skipVerify) requestOptions.strictSSL = false;
    this.raw = createClient({
      endpoint: this.endpoint,
      token: options.token,
      namespace: options.namespace,
      requestOptions,
      rpDefaults: { timeout: options.timeoutMs ?? 30_000 },
      // node-vault's debug output prints every written body: secrets must never reach it
      debug: () => undefined,
    } as never) as unknown as Raw;
  }

  set token(token: string) {
    this.raw.token = token;
  }

  async readData(path: string, version?: number): Promise<DataRead> {
    const where = version === undefined ? path : `${path}?version=${version}`;
    try {
      const body = await this.call({ method: 'GET', path }, () => this.raw.read(where));
      return {
        state: 'present',
        version: Number(body.data.metadata.version),
        data: body.data.data ?? {},
        customMetadata: body.data.metadata.custom_metadata ?? {},
      };
    } catch (error) {
      const failure = (error as { vault?: VaultFailure }).vault;
      if (failure?.status === 404) {
        const metadata = (failure.body as any)?.data?.metadata;
        return metadata ? { state: 'deleted', version: Number(metadata.version) } : { state: 'missing' };
      }
      throw error;
    }
  }

  /** Write a new version; with `cas`, only if the current version is that number (0: only if none). */
  async writeData(path: string, data: Record<string, unknown>, cas?: number): Promise<number> {
    const body = cas === undefined ? { data } : { options: { cas }, data };
    const answer = await this.call({ method: 'POST', path }, () => this.raw.write(path, body));
    return Number(answer.data.version);
  }

  async readMetadata(path: string): Promise<MetadataRead | undefined> {
    try {
      const body = await this.call({ method: 'GET', path }, () => this.raw.read(path));
      return {
        currentVersion: Number(body.data.current_version),
        customMetadata: body.data.custom_metadata ?? {},
        maxVersions: Number(body.data.max_versions),
      };
    } catch (error) {
      if ((error as { vault?: VaultFailure }).vault?.status === 404) return undefined;
      throw error;
    }
  }

  async writeMetadata(path: string, body: { custom_metadata?: Record<string, string>; max_versions?: number }): Promise<void> {
    await this.call({ method: 'POST', path }, () => this.raw.write(path, body));
  }

  /**
   * A JSON merge patch of the metadata (Vault ≥ 1.9, capability "patch"): custom_metadata keys
   * merge server-side, so nothing is read first and an operator's keys are never lost.
   */
  async patchMetadata(path: string, body: { custom_metadata?: Record<string, string | null> }): Promise<void> {
    await this.call({ method: 'PATCH', path }, () => this.raw.update(path, body));
  }

  /** Every version and the metadata, permanently (missing is fine). */
  async deleteMetadata(path: string): Promise<void> {
    await this.call({ method: 'DELETE', path }, () => this.raw.delete(path));
  }

  /** POST <mount>/{delete,undelete,destroy}/<path> {versions}. */
  async changeVersions(path: string, versions: number[]): Promise<void> {
    await this.call({ method: 'POST', path }, () => this.raw.write(path, { versions }));
  }

  /** Keys under a metadata folder ("x/" for a sub-folder); an empty or missing folder is []. */
  async list(path: string): Promise<string[]> {
    try {
      const body = await this.call({ method: 'LIST', path }, () => this.raw.list(path));
      return (body.data?.keys ?? []) as string[];
    } catch (error) {
      if ((error as { vault?: VaultFailure }).vault?.status === 404) return [];
      throw error;
    }
  }

  /** The KV version of the mount holding `path` ("1" or "2"). */
  async mountVersion(path: string): Promise<string> {
    const body = await this.call({ method: 'GET', path: `sys/internal/ui/mounts/${path}` }, () =>
      this.raw.read(`sys/internal/ui/mounts/${path}`),
    );
    return String(body.data?.options?.version ?? '1');
  }

  /** sys/health: node-vault resolves every status there; the body tells sealed and standby. */
  async health(): Promise<{ sealed: boolean; standby: boolean; initialized: boolean }> {
    const body = await this.call({ method: 'GET', path: 'sys/health' }, () => this.raw.health());
    return { sealed: body?.sealed === true, standby: body?.standby === true, initialized: body?.initialized !== false };
  }

  /** POST auth/<mount>/login (AppRole, Kubernetes, JWT): the returned token is used for the calls that follow. */
  async login(mount: string, body: Record<string, string>): Promise<TokenLease> {
    const answer = await this.call({ method: 'POST', path: `auth/${mount}/login` }, () => this.raw.write(`auth/${mount}/login`, body));
    const auth = answer?.auth;
    if (typeof auth?.client_token !== 'string') throw new Error(`Vault's answer to auth/${mount}/login holds no token`);
    this.raw.token = auth.client_token;
    this.stats.logins += 1;
    return { ttl: Number(auth.lease_duration ?? 0), renewable: auth.renewable === true };
  }

  /** AppRole login (kept for callers of the older name). */
  async approleLogin(roleId: string, secretId: string, mount = 'approle'): Promise<TokenLease> {
    return this.login(mount, { role_id: roleId, secret_id: secretId });
  }

  async lookupSelf(): Promise<TokenLease> {
    const body = await this.call({ method: 'GET', path: 'auth/token/lookup-self' }, () => this.raw.tokenLookupSelf());
    return { ttl: Number(body.data?.ttl ?? 0), renewable: body.data?.renewable === true };
  }

  /**
   * Keep the session alive from here on: `relogin` (when the method can log in again) is called
   * when the token cannot be renewed any more, expires, or Vault calls it invalid; the token is
   * renewed at 2/3 of its life while Vault extends it.
   */
  keepAlive(lease: TokenLease, relogin?: () => Promise<TokenLease>): void {
    this.relogin = relogin;
    this.adopt(lease);
  }

  /** Kept for callers of the older name: renew in the background, no way to log in again. */
  startRenewal(ttlSeconds: number): void {
    this.keepAlive({ ttl: ttlSeconds, renewable: true });
  }

  stopRenewal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private adopt(lease: TokenLease): void {
    this.lease = { expiresAt: lease.ttl > 0 ? Date.now() + lease.ttl * 1000 : 0, renewable: lease.renewable, ttl: lease.ttl };
    this.schedule(lease.ttl);
  }

  private schedule(ttlSeconds: number): void {
    this.stopRenewal();
    if (ttlSeconds <= 0 || (!this.lease.renewable && !this.relogin)) return;
    this.timer = setTimeout(() => void this.refresh(), Math.max(50, ttlSeconds * 1000 * RENEW_FRACTION));
    this.timer.unref();
  }

  /** Renew; when Vault gives less than asked (the max TTL is near) or refuses, log in again if the method can. */
  private async refresh(): Promise<void> {
    try {
      if (this.lease.renewable) {
        const asked = this.lease.ttl;
        const body = await this.call({ method: 'POST', path: 'auth/token/renew-self' }, () =>
          this.raw.tokenRenewSelf({ increment: asked }),
        );
        this.stats.renewals += 1;
        const ttl = Number(body?.auth?.lease_duration ?? 0);
        this.lease.expiresAt = ttl > 0 ? Date.now() + ttl * 1000 : 0;
        this.renewalError = undefined;
        if (ttl >= asked * RENEW_FRACTION || !this.relogin) return this.schedule(ttl);
        // capped by the token's max TTL: the next step is a new login, before this token ends
        this.stopRenewal();
        this.timer = setTimeout(() => void this.reauthenticate().catch(() => undefined), Math.max(50, ttl * 1000 * RENEW_FRACTION));
        this.timer.unref();
        return;
      }
      await this.reauthenticate();
    } catch (error) {
      this.renewalError = failureOf((error as { vault?: VaultFailure }).vault ?? error).message;
      if (this.relogin) await this.reauthenticate().catch(() => undefined);
    }
  }

  /** One login at a time, whoever asks. */
  private async reauthenticate(): Promise<void> {
    if (!this.relogin) return;
    this.loggingIn ??= this.relogin()
      .then((lease) => this.adopt(lease))
      .finally(() => (this.loggingIn = undefined));
    await this.loggingIn;
  }

  private expired(): boolean {
    return this.lease.expiresAt > 0 && Date.now() >= this.lease.expiresAt - EXPIRY_MARGIN_MS;
  }

  /** Run one node-vault call with bounded retries; a failure leaves as a KeyturnError carrying `vault`. */
  private async call(attempted: Attempted, send: () => Promise<any>): Promise<any> {
    const login = attempted.path.endsWith('/login');
    if (!login && this.relogin && (this.loggingIn || this.expired())) await this.reauthenticate();
    try {
      return await this.attempt(attempted, send);
    } catch (error) {
      // a token that ran out mid-run (or that Vault forgot) is replaced once, and the request sent again
      const failure = (error as { vault?: VaultFailure }).vault;
      if (login || !this.relogin || failure?.status !== 403 || !(invalidToken(failure.body) || this.expired())) throw error;
      await this.reauthenticate();
      return this.attempt(attempted, send);
    }
  }

  private async attempt(attempted: Attempted, send: () => Promise<any>): Promise<any> {
    let last: VaultFailure | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      this.stats.requests += 1;
      try {
        return await send();
      } catch (error) {
        last = failureOf(error);
        const retryable = last.status === undefined ? RETRYABLE_CODES.has(last.code ?? '') : RETRYABLE_STATUS.has(last.status);
        if (!retryable || attempt === this.attempts) break;
        this.stats.retries += 1;
        const base = Math.min(this.backoffMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
        await this.sleep(base / 2 + Math.random() * base);
      }
    }
    const failure = last!;
    const error: KeyturnError & { vault?: VaultFailure } = translate(failure, attempted, {
      endpoint: this.endpoint,
      attempts: this.attempts,
      renewalError: this.renewalError,
    });
    error.vault = failure;
    throw error;
  }
}

/** Vault ≥ 1.16 adds "invalid token" to the 403 of a token it does not know (revoked, expired). */
function invalidToken(body: unknown): boolean {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) && errors.some((e) => typeof e === 'string' && e.includes('invalid token'));
}

/** What node-vault (or axios below it) rejected with, reduced to plain fields. Never the request: it holds the token. */
function failureOf(error: unknown): VaultFailure {
  const e = error as { response?: { statusCode?: number; body?: unknown }; code?: string; message?: string };
  if (e?.response && typeof e.response.statusCode === 'number') {
    return { status: e.response.statusCode, body: e.response.body, message: String(e.message ?? '') };
  }
  return { code: e?.code, message: String(e?.message ?? error) };
}
