/**
 * Binance's checks on a SIGNED request, in Binance's order: API key present and well
 * formed, key known, caller's address on the key's whitelist, timestamp within recvWindow,
 * signature valid. Every refusal is Binance's own code and message.
 */
import { refuse } from './errors.js';
import { parseEd25519PublicKey, signedPayload, verifyEd25519, verifyHmac } from './signature.js';
import type { SandboxKey, SandboxState } from './state.js';

export interface Incoming {
  apiKeyHeader?: string;
  rawQuery: string;
  rawBody: string;
  params: URLSearchParams;
  /** the caller's IPv4 address as the socket reports it */
  address: string;
}

export const MAX_RECV_WINDOW = 60_000;
export const DEFAULT_RECV_WINDOW = 5_000;

/** The key behind an API-key-only request (no signature needed), after the IP check. */
export function keyOf(state: SandboxState, req: Incoming): SandboxKey {
  const apiKey = req.apiKeyHeader;
  if (!apiKey) throw refuse.keyFormat();
  if (!/^[A-Za-z0-9]{64}$/.test(apiKey)) throw refuse.keyFormat();
  const key = state.key(apiKey);
  if (!key) throw refuse.key();
  // status 3: only the named third party's servers, which are never this caller
  if (key.status !== 1 && !key.ipList.includes(req.address)) throw refuse.key();
  return key;
}

export function checkTiming(params: URLSearchParams, serverTime: number): void {
  const rawTs = params.get('timestamp');
  if (!rawTs || !/^\d+$/.test(rawTs)) throw refuse.mandatory('timestamp');
  // 16 digits: microseconds (Binance accepts both)
  const timestamp = rawTs.length >= 16 ? Number(rawTs) / 1000 : Number(rawTs);
  const rawWindow = params.get('recvWindow');
  let window = DEFAULT_RECV_WINDOW;
  if (rawWindow !== null) {
    if (!/^\d+(\.\d{1,3})?$/.test(rawWindow)) throw refuse.mandatory('recvWindow');
    window = Number(rawWindow);
    if (window > MAX_RECV_WINDOW) throw refuse.recvWindow();
  }
  if (timestamp >= serverTime + 1000) throw refuse.ahead();
  if (serverTime - timestamp > window) throw refuse.timestamp();
}

export function authenticate(state: SandboxState, req: Incoming, serverTime: number): SandboxKey {
  const key = keyOf(state, req);
  checkTiming(req.params, serverTime);
  const { payload, signature } = signedPayload(req.rawQuery, req.rawBody);
  if (!signature) throw refuse.mandatory('signature');
  const ok = key.publicKey
    ? (() => {
        const pub = parseEd25519PublicKey(key.publicKey!);
        return pub !== undefined && verifyEd25519(pub, payload, signature);
      })()
    : key.secretKey !== undefined && verifyHmac(key.secretKey, payload, signature);
  if (!ok) throw refuse.signature();
  return key;
}
