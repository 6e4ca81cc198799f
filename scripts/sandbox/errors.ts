/**
 * Binance's error bodies: `{"code":-2015,"msg":"…"}` with the HTTP status Binance uses for
 * each family (4xx for the caller's mistakes, 401 for key/IP/permission refusals, 429/418
 * for rate limits). The messages are Binance's own, so a client's error mapping is tested
 * against what it will really see.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const refuse = {
  mandatory: (name: string) => new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  illegal: (name: string) =>
    new ApiError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[A-Za-z0-9@._+-]{1,100}$'.`),
  badParam: (message: string) => new ApiError(400, -1130, message),
  recvWindow: () => new ApiError(400, -1131, 'recvWindow must be less than 60000'),
  timestamp: () => new ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  ahead: () => new ApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  signature: () => new ApiError(400, -1022, 'Signature for this request is not valid.'),
  keyFormat: () => new ApiError(401, -2014, 'API-key format invalid.'),
  key: () => new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  // errors.md's -1003 texts, with the limit and the ban's end filled in as Binance does
  tooMany: (retryAfterS: number, limit = 6000) =>
    new ApiError(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  banned: (retryAfterS: number) =>
    new ApiError(
      418,
      -1003,
      `Way too much request weight used; IP banned until ${Date.now() + retryAfterS * 1000}. Please use WebSocket Streams for live updates to avoid bans.`,
      { 'Retry-After': String(retryAfterS) },
    ),
  keyLimit: () => new ApiError(400, -12022, 'The number of API keys of this account has reached the limit of 30.'),
  noSubAccount: () => new ApiError(400, -12008, 'Sub-account does not exist.'),
  noApiKey: () => new ApiError(400, -12009, 'This API key does not exist or does not belong to the sub-account.'),
  unsupported: () => new ApiError(400, -9000, 'Unsupported operation'),
  unknownPath: () => new ApiError(404, -1020, 'This operation is not supported.'),
  internal: () => new ApiError(500, -1000, 'An unknown error occurred while processing the request.'),
  tooFast: () => new ApiError(429, -1015, 'Too many new orders; current limit is 1 per SECOND.', { 'Retry-After': '1' }),
};
