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
}

type Raw = {
  read(path: string, options?: object): Promise<any>;
  write(path: string, data: unknown, options?: object): Promise<any>;
  delete(path: string, options?: object): Promise<any>;
  list(path: string, options?: object): Promise<any>;
  health(args?: object): Promise<any>;
  approleLogin(args: object): Promise<any>;
  tokenLookupSelf(args?: object): Promise<any>;
  tokenRenewSelf(args?: object): Promise<any>;
  startTokenRenewal(options?: object): Promise<unknown>;
  stopTokenRenewal(): void;
  on(event: string, listener: (value: unknown) => void): void;
  token: string | undefined;
};

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
/** Waits between retries stop growing here, so a call's whole retry budget stays a few seconds. */
const MAX_BACKOFF_MS = 1000;
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

export class VaultClient {
  readonly endpoint: string;
  readonly stats: ClientStats = { requests: 0, retries: 0 };
  /** the last failure of background token renewal, for the next error message */
  renewalError: string | undefined;
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
    this.raw.on('token:error:renew', (error) => {
      this.renewalError = failureOf(error).message;
    });
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

  /** AppRole login: node-vault keeps the returned token for the calls that follow. */
  async approleLogin(roleId: string, secretId: string, mount = 'approle'): Promise<{ ttl: number; renewable: boolean }> {
    const body = await this.call({ method: 'POST', path: `auth/${mount}/login` }, () =>
      this.raw.approleLogin({ role_id: roleId, secret_id: secretId, mount_point: mount }),
    );
    return { ttl: Number(body.auth?.lease_duration ?? 0), renewable: body.auth?.renewable === true };
  }

  async lookupSelf(): Promise<{ ttl: number; renewable: boolean }> {
    const body = await this.call({ method: 'GET', path: 'auth/token/lookup-self' }, () => this.raw.tokenLookupSelf());
    return { ttl: Number(body.data?.ttl ?? 0), renewable: body.data?.renewable === true };
  }

  /** Renew the token in the background at 2/3 of its TTL, for runs longer than the token lives. */
  startRenewal(ttlSeconds: number): void {
    void this.raw.startTokenRenewal({ ttl: ttlSeconds, renewFraction: 2 / 3 }).catch((error: unknown) => {
      this.renewalError = failureOf(error).message;
    });
  }

  stopRenewal(): void {
    this.raw.stopTokenRenewal();
  }

  /** Run one node-vault call with bounded retries; a failure leaves as a KeyturnError carrying `vault`. */
  private async call(attempted: Attempted, send: () => Promise<any>): Promise<any> {
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

/** What node-vault (or axios below it) rejected with, reduced to plain fields. Never the request: it holds the token. */
function failureOf(error: unknown): VaultFailure {
  const e = error as { response?: { statusCode?: number; body?: unknown }; code?: string; message?: string };
  if (e?.response && typeof e.response.statusCode === 'number') {
    return { status: e.response.statusCode, body: e.response.body, message: String(e.message ?? '') };
  }
  return { code: e?.code, message: String(e?.message ?? error) };
}
