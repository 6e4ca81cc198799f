/**
 * Binance's error codes in words an operator can act on. The API's own message is kept,
 * but what to check comes first.
 */
export class BinanceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    readonly binanceMessage: string,
    readonly path: string,
    /** true for a 5xx: the request may or may not have taken effect */
    readonly outcomeUnknown = false,
  ) {
    super(`${path}: HTTP ${status}${code !== undefined ? ` code ${code}` : ''}: ${binanceMessage}`);
  }
}

const ADVICE: Record<number, string> = {
  [-1003]: 'too much request weight: wait for the limit window to pass (keyturn honours Retry-After)',
  [-1021]: "the timestamp is outside recvWindow: this machine's clock is off (keyturn resynced once with /api/v3/time); check NTP",
  [-1022]: 'the signature is invalid: the stored secret (or private key) does not belong to this API key',
  [-1102]: 'a mandatory parameter is missing: check the key spec (email / subAccountId) in rotation.yaml',
  [-1130]: 'a parameter was refused: check the IP whitelist (1-20 IPv4 addresses, no CIDR) and the permissions',
  [-2014]: 'the API key has the wrong format: the stored management key is damaged',
  [-2015]:
    "the API key, the caller's IP or the key's permissions refuse this: check that this machine's address is on the key's IP whitelist " +
    "and that the key has the permission (the management key is the master account's, with 'Enable Spot & Margin Trading' ticked: " +
    'Binance labels the sub-account key endpoints TRADE)',
  [-12022]: "the account already has 30 API keys, Binance's limit: delete unused keys (keyturn audit lists them)",
  [-12008]: 'the sub-account does not exist or does not belong to this master account: check spec.email',
};

export function adviceFor(error: BinanceApiError): string {
  if (error.status === 418) return 'this IP is banned for ignoring 429s: wait for the ban (Retry-After) to pass before any call';
  if (error.outcomeUnknown) {
    return 'Binance failed with a server error: the request may have taken effect; keyturn checks before repeating a create';
  }
  return (error.code !== undefined ? ADVICE[error.code] : undefined) ?? "see Binance's error code list";
}
