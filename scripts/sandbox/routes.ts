/**
 * The Binance endpoints the sandbox serves: server time, exchangeInfo, a signed account read,
 * orders (validated like Binance's, src: market.ts), trades, a withdrawal (to prove permissions
 * are enforced), apiRestrictions, and the master account's sub-account key management (create,
 * delete, query, IP restriction and its IP-list delete, permissions).
 */
import { ApiError, refuse } from './errors.js';
import { exchangeInfo, symbolOf, validateOrder } from './market.js';
import { parseEd25519PublicKey } from './signature.js';
import { MAX_KEYS_PER_ACCOUNT, randomToken, type SandboxAccount, type SandboxKey, type SandboxState } from './state.js';

export interface Call {
  method: string;
  path: string;
  params: URLSearchParams;
  /** parameters that arrived in the query string (publicKey must not) */
  queryParams: URLSearchParams;
  key?: SandboxKey;
  now: number;
}

export type Security = 'NONE' | 'USER_DATA' | 'TRADE' | 'WITHDRAW' | 'MANAGE';

export interface Route {
  security: Security;
  /** request weight, and whether it counts against the account (UID) rather than the IP */
  weight: number;
  uid?: boolean;
  handle(state: SandboxState, call: Call): unknown;
}

const MAX_IPS = 20;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') throw refuse.mandatory(name);
  return value;
}

function flag(params: URLSearchParams, name: string, fallback = false): boolean {
  const value = params.get(name);
  if (value === null) return fallback;
  if (value !== 'true' && value !== 'false') throw refuse.badParam(`Parameter '${name}' must be true or false.`);
  return value === 'true';
}

function ipList(params: URLSearchParams): string[] {
  const raw = params.get('ipAddress') ?? '';
  const list = raw
    .split(',')
    .map((ip) => ip.trim())
    .filter(Boolean);
  if (raw.length > 500) throw refuse.badParam('ipAddress is longer than 500 characters.');
  if (list.length > MAX_IPS) throw refuse.badParam(`At most ${MAX_IPS} IP addresses can be bound to an API key.`);
  for (const ip of list)
    if (!IPV4.test(ip)) throw refuse.badParam(`Invalid IP address: ${ip}. Only IPv4 addresses are accepted, no CIDR blocks.`);
  return [...new Set(list)];
}

/** The sub-account named by `email`, which must belong to the caller's master account. */
function subAccountOf(state: SandboxState, call: Call): SandboxAccount {
  const email = required(call.params, 'email');
  const account = state.account(email);
  if (!account || account.master !== call.key!.account) throw refuse.noSubAccount();
  return account;
}

function subKeyOf(state: SandboxState, call: Call): { account: SandboxAccount; key: SandboxKey } {
  const account = subAccountOf(state, call);
  const key = state.key(required(call.params, 'subAccountApiKey'));
  if (!key || key.account !== account.email) throw refuse.noApiKey();
  return { account, key };
}

/** What the query endpoints show of a key: never its secret. */
export function publicView(key: SandboxKey) {
  return {
    apiName: key.apiName,
    apiKey: key.apiKey,
    canTrade: key.canTrade,
    canMarginLoanRepay: key.canMarginLoanRepay,
    canFuturesTrade: key.canFuturesTrade,
    canUniversalTransfer: key.canUniversalTransfer,
    canVanillaOptions: key.canVanillaOptions,
    status: key.status,
    ipList: key.ipList,
    ...(key.thirdPartyName ? { thirdPartyName: key.thirdPartyName } : {}),
    createTime: key.createTime,
    keyType: key.publicKey ? 'Ed25519' : 'HMAC',
  };
}

export function restrictionsView(key: SandboxKey) {
  return {
    ipRestrict: key.status !== 1,
    createTime: key.createTime,
    enableReading: true,
    enableSpotAndMarginTrading: key.canTrade,
    enableMargin: key.canMarginLoanRepay,
    enableFutures: key.canFuturesTrade,
    enableVanillaOptions: key.canVanillaOptions,
    permitsUniversalTransfer: key.canUniversalTransfer,
    enableInternalTransfer: key.enableInternalTransfer,
    enableWithdrawals: key.enableWithdrawals,
    enableFixApiTrade: false,
    enableFixReadOnly: false,
    enablePortfolioMarginTrading: false,
  };
}

function createSubKey(state: SandboxState, call: Call) {
  const account = subAccountOf(state, call);
  const apiName = required(call.params, 'apiName');
  const status = required(call.params, 'status');
  if (status !== '1' && status !== '2' && status !== '3') throw refuse.badParam("Parameter 'status' must be 1, 2 or 3.");
  const ips = ipList(call.params);
  if (status === '2' && ips.length === 0) throw refuse.mandatory('ipAddress');
  const thirdPartyName = status === '3' ? required(call.params, 'thirdPartyName') : undefined;
  if (call.queryParams.has('publicKey')) throw refuse.badParam('publicKey must be sent in the request body, not in the query string.');
  const publicKey = call.params.get('publicKey') ?? undefined;
  if (publicKey !== undefined && !parseEd25519PublicKey(publicKey))
    throw refuse.badParam('Invalid publicKey: an Ed25519 public key (PEM or base64 DER) is expected.');
  if (state.keysOf(account.email).length >= MAX_KEYS_PER_ACCOUNT) throw refuse.keyLimit();
  const key = state.addKey(
    {
      apiName,
      account: account.email,
      status: status === '3' ? 3 : status === '2' ? 2 : 1,
      ipList: status === '2' ? ips : [],
      thirdPartyName,
      secretKey: publicKey ? undefined : randomToken(64),
      publicKey,
      canTrade: flag(call.params, 'canTrade'),
      canMarginLoanRepay: flag(call.params, 'canMarginLoanRepay'),
      canFuturesTrade: flag(call.params, 'canFuturesTrade'),
      canUniversalTransfer: flag(call.params, 'canUniversalTransfer'),
      canVanillaOptions: flag(call.params, 'canVanillaOptions'),
      enableWithdrawals: false,
      enableInternalTransfer: false,
    },
    call.now,
  );
  const { createTime: _c, keyType: _t, ...shown } = publicView(key);
  // the secret is shown once, here; an Ed25519 key has none (the caller holds the private half)
  return { ...shown, secretKey: key.secretKey ?? '' };
}

export const ROUTES: Record<string, Route> = {
  'GET /api/v3/ping': { security: 'NONE', weight: 1, handle: () => ({}) },
  'GET /api/v3/time': { security: 'NONE', weight: 1, handle: (_s, call) => ({ serverTime: call.now }) },
  'GET /api/v3/exchangeInfo': { security: 'NONE', weight: 20, handle: (_s, call) => exchangeInfo(call.now, { ipWeight: 6000 }) },
  // the sandbox matches no orders: an account's trades are always none, for a symbol it lists
  'GET /api/v3/myTrades': {
    security: 'USER_DATA',
    weight: 20,
    handle: (_s, { params }) => {
      symbolOf(params);
      return [];
    },
  },
  'GET /api/v3/account': {
    security: 'USER_DATA',
    weight: 20,
    handle: (_s, { key }) => ({
      makerCommission: 10,
      takerCommission: 10,
      canTrade: key!.canTrade,
      canWithdraw: key!.enableWithdrawals,
      canDeposit: true,
      accountType: 'SPOT',
      balances: [
        { asset: 'BTC', free: '0.50000000', locked: '0.00000000' },
        { asset: 'USDT', free: '10000.00000000', locked: '0.00000000' },
      ],
      permissions: ['SPOT'],
      uid: 0,
    }),
  },
  'POST /api/v3/order': {
    security: 'TRADE',
    weight: 1,
    handle: (_s, { params, now }) => {
      const { symbol, side, type } = validateOrder(params);
      return {
        symbol: symbol.symbol,
        orderId: now,
        orderListId: -1,
        clientOrderId: params.get('newClientOrderId') ?? `sandbox${now}`,
        transactTime: now,
        price: params.get('price') ?? '0.00000000',
        origQty: params.get('quantity') ?? '0.00000000',
        executedQty: '0.00000000',
        cummulativeQuoteQty: '0.00000000',
        status: 'NEW',
        timeInForce: params.get('timeInForce') ?? 'GTC',
        type,
        side,
        fills: [],
      };
    },
  },
  // validated like an order but never matched: what a bot's dry-run loop calls (weight 1)
  'POST /api/v3/order/test': {
    security: 'TRADE',
    weight: 1,
    handle: (_s, { params }) => {
      validateOrder(params);
      return {};
    },
  },
  'POST /sapi/v1/capital/withdraw/apply': {
    security: 'WITHDRAW',
    weight: 600,
    handle: (_s, { params }) => ({ id: `withdraw-${required(params, 'coin')}-${Date.now()}` }),
  },
  'GET /sapi/v1/account/apiRestrictions': { security: 'USER_DATA', weight: 1, handle: (_s, { key }) => restrictionsView(key!) },
  'POST /sapi/v1/sub-account/subAccountApi': { security: 'MANAGE', weight: 3000, uid: true, handle: createSubKey },
  'POST /sapi/v2/sub-account/subAccountApi': { security: 'MANAGE', weight: 3000, uid: true, handle: createSubKey },
  'DELETE /sapi/v1/sub-account/subAccountApi': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const { key } = subKeyOf(state, call);
      state.deleteKey(key.apiKey);
      return {};
    },
  },
  'GET /sapi/v1/sub-account/subAccountApi': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const account = subAccountOf(state, call);
      const only = call.params.get('subAccountApiKey');
      return state
        .keysOf(account.email)
        .filter((k) => !only || k.apiKey === only)
        .map(publicView);
    },
  },
  'GET /sapi/v1/sub-account/subAccountApi/ipRestriction': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const { key } = subKeyOf(state, call);
      return { ipRestrict: String(key.status === 2), ipList: key.ipList, updateTime: key.createTime, apiKey: key.apiKey };
    },
  },
  'POST /sapi/v2/sub-account/subAccountApi/ipRestriction': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const { key } = subKeyOf(state, call);
      const status = call.params.get('status') ?? '1';
      const ips = ipList(call.params);
      if (status === '2' && ips.length === 0) throw refuse.mandatory('ipAddress');
      const updated = state.update(key.apiKey, { status: status === '2' ? 2 : 1, ipList: status === '2' ? ips : [] })!;
      return { status: String(updated.status), ipList: updated.ipList, updateTime: call.now, apiKey: updated.apiKey };
    },
  },
  'DELETE /sapi/v1/sub-account/subAccountApi/ipRestriction/ipList': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const { key } = subKeyOf(state, call);
      const gone = new Set(
        required(call.params, 'ipAddress')
          .split(',')
          .map((ip) => ip.trim())
          .filter(Boolean),
      );
      const updated = state.update(key.apiKey, { ipList: key.ipList.filter((ip) => !gone.has(ip)) })!;
      return { ipRestrict: String(updated.status !== 1), ipList: updated.ipList, updateTime: call.now, apiKey: updated.apiKey };
    },
  },
  'POST /sapi/v1/sub-account/subAccountApiPermission': {
    security: 'MANAGE',
    weight: 3000,
    uid: true,
    handle: (state, call) => {
      const { key } = subKeyOf(state, call);
      const p = call.params;
      const updated = state.update(key.apiKey, {
        canTrade: flag(p, 'canTrade', key.canTrade),
        canMarginLoanRepay: flag(p, 'canMarginLoanRepay', key.canMarginLoanRepay),
        canFuturesTrade: flag(p, 'canFuturesTrade', key.canFuturesTrade),
        canUniversalTransfer: flag(p, 'canUniversalTransfer', key.canUniversalTransfer),
        canVanillaOptions: flag(p, 'canVanillaOptions', key.canVanillaOptions),
      })!;
      const { apiName: _n, status: _s, ipList: _i, createTime: _c, keyType: _t, ...flags } = publicView(updated);
      return flags;
    },
  },
};

/**
 * Permission check after authentication: Binance answers -2015 for a key that may not do this.
 * MANAGE is Binance's TRADE on the master account: the sub-account key endpoints are labelled
 * TRADE and need "Enable Spot & Margin Trading" on the master's key; a sub-account's key never may.
 */
export function permitted(security: Security, key: SandboxKey, state: SandboxState): void {
  const ok =
    security === 'TRADE'
      ? key.canTrade
      : security === 'WITHDRAW'
        ? key.enableWithdrawals
        : security === 'MANAGE'
          ? key.canTrade && state.account(key.account)?.master === undefined
          : true;
  if (!ok) throw refuse.key();
}

export { ApiError };
