/**
 * `binance`: sub-account API keys managed with the master account's management key (read
 * from the store). A key is named `<key id>-<rotation id>` at Binance so an orphan of a
 * crashed create is recognised, bound to the declared IPs (status 2), given exactly the
 * declared can* flags, verified with itself through apiRestrictions, and proven dead after
 * delete. keyIds are `bn:` + the API key's first 8 and last 4 characters: enough to find it
 * in the web UI, never the whole key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { settingsOf } from '../../adapters/settings.js';
import type { IssuerConfig } from '../../config/types.js';
import type { RunContext } from '../../context.js';
import { errors } from '../../errors.js';
import type { IssuedKey, Issuer, IssuerContext, IssuerFactory, IssueTarget, KeyInfo, StoredKey } from '../types.js';
import { adviceFor, BinanceApiError } from './api-error.js';
import { auditWithKey } from './audit.js';
import { identifyWithKey } from './identify.js';
import { BinanceClient } from './client.js';
import { readManagementKey } from './management-key.js';
import { binanceKind, parseSpec, type BinanceOptions } from './options.js';
import { createFlags, permissionsOfFlags, unsupportedPermissions } from './permissions.js';
import { signerFor } from './signing.js';
import { verifyWithKey } from './verify.js';

/** Binance charges 3000 UID weight per sub-account key management call. */
const MANAGEMENT_WEIGHT = 3000;
/** How long a list waits for other deletions on the same sub-account to join it. */
const LIST_BATCH_MS = 20;

export function binanceKeyId(apiKey: string): string {
  return `bn:${apiKey.slice(0, 8)}…${apiKey.slice(-4)}`;
}

export function apiNameOf(keyId: string, rotationId: string): string {
  return `${keyId}-${rotationId}`;
}

interface Listed {
  apiName?: string;
  apiKey: string;
  status?: number;
  ipList?: string[];
  createTime?: number;
  [flag: string]: unknown;
}

export function createBinanceIssuer(config: IssuerConfig): Issuer {
  const options: BinanceOptions = settingsOf(binanceKind, config, 'issuer');
  if (options.variant === 'broker') {
    throw errors.config(`issuer ${config.name} (binance): the broker variant is not supported yet`, undefined, 'use variant: sub-account');
  }
  let manager: Promise<BinanceClient> | undefined;
  /** API keys this process deleted, so isDead can probe them at Binance */
  const deleted = new Map<string, string>();

  const management = (ctx: RunContext): Promise<BinanceClient> => {
    manager ??= readManagementKey(config.name, options, ctx).then(
      (mk) =>
        new BinanceClient({
          baseUrl: options.baseUrl,
          apiKey: mk.apiKey,
          signer: signerFor(mk.material),
          localAddress: options.sourceAddress,
          recvWindowMs: options.recvWindowMs,
          timeoutMs: options.timeoutMs,
          maxRetryWaitMs: options.maxRetryWaitMs,
          logger: ctx.logger,
          uidWeightLimit: 180_000,
        }),
    );
    manager.catch(() => (manager = undefined));
    return manager;
  };

  /** A Binance failure as an error an operator can act on (never a secret: the API does not echo them). */
  const failure = (what: string, error: unknown) => {
    if (error instanceof BinanceApiError) return errors.issuer(`issuer ${config.name}: ${what}: ${error.message}`, adviceFor(error));
    return error;
  };

  type Params = Record<string, string | boolean | undefined>;
  const manage = async (ctx: RunContext, method: 'GET' | 'POST' | 'DELETE', path: string, params: Params, what: string) => {
    const client = await management(ctx);
    try {
      return await client.call(method, path, params, { weight: MANAGEMENT_WEIGHT });
    } catch (error) {
      throw failure(what, error);
    }
  };

  const listed = async (target: IssueTarget, ctx: RunContext): Promise<Listed[]> => {
    const { email } = parseSpec(target.key, options.variant);
    return (await manage(ctx, 'GET', '/sapi/v1/sub-account/subAccountApi', { email }, `listing the keys of ${email}`)) as Listed[];
  };

  const infoOf = (entry: Listed): KeyInfo => ({
    keyId: binanceKeyId(entry.apiKey),
    name: entry.apiName,
    createdAt: entry.createTime ? new Date(entry.createTime).toISOString() : undefined,
    restrictions: { permissions: permissionsOfFlags(entry), ipWhitelist: entry.status === 2 ? (entry.ipList ?? []) : [] },
  });

  const find = async (keyId: string, target: IssueTarget, ctx: RunContext) =>
    (await listed(target, ctx)).find((e) => binanceKeyId(e.apiKey) === keyId);

  /**
   * A list of the sub-account sent after every caller that joined it had finished its delete:
   * a mass revoke of ten keys on one sub-account proves them gone with one list (3000 UID
   * weight), not ten.
   */
  const batches = new Map<string, Promise<Listed[]>>();
  const freshList = (target: IssueTarget, ctx: RunContext): Promise<Listed[]> => {
    const email = parseSpec(target.key, options.variant).email ?? '';
    let batch = batches.get(email);
    if (!batch) {
      batch = new Promise((resolve) => setTimeout(resolve, LIST_BATCH_MS)).then(() => {
        batches.delete(email);
        return listed(target, ctx);
      });
      batches.set(email, batch);
    }
    return batch;
  };

  /**
   * One signed read with a deliberately wrong signature, which costs no UID weight: Binance
   * checks the key and the caller's IP before the signature, so a live key reachable from
   * here gets -1022, a deleted one (or one this address may not use) -2015.
   */
  const probe = async (apiKey: string, ctx: RunContext): Promise<'live' | 'refused' | 'unknown'> => {
    const wrongSignature = { kind: 'hmac' as const, sign: () => '0'.repeat(64) };
    const client = new BinanceClient({
      ...options,
      apiKey,
      signer: wrongSignature,
      localAddress: options.sourceAddress,
      logger: ctx.logger,
    });
    try {
      await client.call('GET', '/sapi/v1/account/apiRestrictions');
      return 'live';
    } catch (error) {
      if (!(error instanceof BinanceApiError)) return 'unknown';
      return error.code === -1022 ? 'live' : error.code === -2015 ? 'refused' : 'unknown';
    }
  };
  /** keys whose probe before the delete answered -1022: for them a -2015 afterwards is proof */
  const reachable = new Set<string>();

  return {
    type: 'binance',
    createsRemotely: true,
    // 180000 UID weight a minute is 60 management calls: half of them for the deletions, half for the replacements
    parallelRevokes: 30,

    describe({ key }: IssueTarget): string {
      const spec = parseSpec(key, options.variant);
      const ips = key.restrictions.ipWhitelist?.length ? `bound to ${key.restrictions.ipWhitelist.join(', ')}` : 'with NO IP whitelist';
      const permissions = ['reading', ...key.restrictions.permissions.filter((p) => p !== 'reading')].join(', ');
      return `create a ${spec.keyType.toUpperCase()} API key on sub-account ${spec.email} with ${permissions}, ${ips}`;
    },

    async create(target: IssueTarget, ctx: IssuerContext): Promise<IssuedKey> {
      const { key } = target;
      const spec = parseSpec(key, options.variant);
      const refused = unsupportedPermissions(key.restrictions);
      if (refused.length) {
        const hint = 'remove them from restrictions.permissions; withdrawals belong to a separately reviewed process';
        throw errors.issuer(`key ${key.id}: keyturn never creates Binance keys with ${refused.join(', ')}`, hint);
      }
      const ips = key.restrictions.ipWhitelist ?? [];
      const apiName = apiNameOf(key.id, ctx.rotationId);
      let privateKey: string | undefined;
      let publicKey: string | undefined;
      if (spec.keyType === 'ed25519') {
        const pair = generateKeyPairSync('ed25519');
        privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
        ctx.redactor.add(privateKey);
      }
      const params = {
        email: spec.email,
        apiName,
        status: ips.length ? '2' : '1',
        ipAddress: ips.length ? ips.join(',') : undefined,
        publicKey,
        ...Object.fromEntries(Object.entries(createFlags(key.restrictions)).map(([k, v]) => [k, String(v)])),
      };
      const client = await management(ctx);
      type Answer = { apiKey?: string; secretKey?: string };
      const createKey = async () =>
        (await client.call('POST', '/sapi/v1/sub-account/subAccountApi', params, { weight: MANAGEMENT_WEIGHT })) as Answer;
      let answer: Answer;
      try {
        answer = await createKey();
      } catch (error) {
        if (!(error instanceof BinanceApiError && error.outcomeUnknown)) throw failure(`creating a key for ${key.id}`, error);
        // the key may exist; its secret was in the lost answer, so it is useless: delete it, create once more
        ctx.logger.warn(`issuer ${config.name}: create for ${key.id} ended with ${error.message}; checking whether it happened`);
        for (const orphan of (await listed(target, ctx)).filter((e) => e.apiName === apiName)) {
          const orphanId = binanceKeyId(orphan.apiKey);
          const unusable = { email: spec.email, subAccountApiKey: orphan.apiKey };
          await manage(ctx, 'DELETE', '/sapi/v1/sub-account/subAccountApi', unusable, `deleting the unusable ${orphanId}`);
          ctx.logger.warn(`issuer ${config.name}: deleted ${orphanId}, created by the failed call (its secret was lost)`);
        }
        try {
          answer = await createKey();
        } catch (again) {
          throw failure(`creating a key for ${key.id} (second attempt)`, again);
        }
      }
      if (!answer.apiKey || (!publicKey && !answer.secretKey)) {
        throw errors.issuer(`issuer ${config.name}: Binance's answer to the create has no apiKey/secretKey`);
      }
      ctx.redactor.add(answer.apiKey, ...(answer.secretKey ? [answer.secretKey] : []));
      const material: Record<string, string> = privateKey
        ? { apiKey: answer.apiKey, privateKey }
        : { apiKey: answer.apiKey, secret: answer.secretKey! };
      const keyId = binanceKeyId(answer.apiKey);
      ctx.logger.info(`issuer ${config.name}: created ${keyId} (${apiName}) on ${spec.email}`);
      return { keyId, material, restrictions: key.restrictions, meta: { apiName, ...(publicKey ? { publicKey } : {}) } };
    },

    async verify(issued: IssuedKey, target: IssueTarget, ctx: IssuerContext): Promise<void> {
      await verifyWithKey(issued.material, target.key.restrictions, options, `key ${target.key.id} (${issued.keyId})`, ctx);
    },

    async revoke(keyId: string, target: IssueTarget, ctx: IssuerContext, stored?: StoredKey): Promise<void> {
      const spec = parseSpec(target.key, options.variant);
      // The store's copy names the key without a list (3000 UID weight saved per key in a leak).
      let apiKey = stored?.material.apiKey && binanceKeyId(stored.material.apiKey) === keyId ? stored.material.apiKey : undefined;
      if (!apiKey) {
        const entry = await find(keyId, target, ctx);
        if (!entry) {
          ctx.logger.info(`issuer ${config.name}: ${keyId} is already gone`);
          return;
        }
        apiKey = entry.apiKey;
      }
      ctx.redactor.add(apiKey);
      if ((await probe(apiKey, ctx)) === 'live') reachable.add(keyId);
      const params = { email: spec.email, subAccountApiKey: apiKey };
      const client = await management(ctx);
      try {
        await client.call('DELETE', '/sapi/v1/sub-account/subAccountApi', params, { weight: MANAGEMENT_WEIGHT });
      } catch (error) {
        // -12009: no such key on the sub-account, e.g. a retry after a delete whose answer was lost
        if (!(error instanceof BinanceApiError && error.code === -12009)) throw failure(`deleting ${keyId}`, error);
        ctx.logger.info(`issuer ${config.name}: ${keyId} is already gone`);
      }
      deleted.set(keyId, apiKey);
      ctx.logger.info(`issuer ${config.name}: deleted ${keyId} on ${spec.email}`);
    },

    async isDead(keyId: string, target: IssueTarget, ctx: IssuerContext): Promise<boolean> {
      const apiKey = deleted.get(keyId);
      if (apiKey && reachable.has(keyId)) {
        // The same request answered -1022 before the delete: -2015 now is the exchange refusing the key.
        const now = await probe(apiKey, ctx);
        if (now === 'live') return false;
        if (now === 'refused') return true;
      }
      if ((await freshList(target, ctx)).some((e) => binanceKeyId(e.apiKey) === keyId)) return false;
      if (!apiKey) return true;
      // A deleted key fails the key check (-2015) before the signature is even looked at.
      return (await probe(apiKey, ctx)) === 'refused';
    },

    async list(target: IssueTarget, ctx: RunContext): Promise<KeyInfo[]> {
      return (await listed(target, ctx)).map(infoOf);
    },

    async inspect(keyId: string, target: IssueTarget, ctx: RunContext): Promise<KeyInfo | undefined> {
      const entry = await find(keyId, target, ctx);
      return entry ? infoOf(entry) : undefined;
    },

    async audit(current: StoredKey, { key }: IssueTarget, ctx: RunContext) {
      // the audit has always read with Binance's default recvWindow and timeouts, not the issuer's
      return auditWithKey(current, key, { baseUrl: options.baseUrl, sourceAddress: options.sourceAddress }, ctx);
    },

    async identify(current: StoredKey, { key }: IssueTarget, ctx: RunContext) {
      return identifyWithKey(current, key.id, options, binanceKeyId, ctx);
    },
  };
}

export const factory: IssuerFactory = { type: 'binance', create: createBinanceIssuer };
