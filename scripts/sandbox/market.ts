/**
 * The sandbox's spot market: the symbols it lists (served as GET /api/v3/exchangeInfo, which
 * ccxt's loadMarkets reads first) and Binance's order parameter checks, in Binance's order and
 * with its codes (binance-spot-api-docs errors.md): -1102 a mandatory parameter, -1121 an
 * unknown symbol, -1117 side, -1116 order type, -1115 timeInForce, -1100 a malformed number,
 * -1106 a parameter the type does not take, -1013 a filter (PRICE_FILTER, LOT_SIZE, NOTIONAL).
 */
import { ApiError, refuse } from './errors.js';

interface SymbolInfo {
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  tickSize: string;
  minPrice: string;
  maxPrice: string;
  stepSize: string;
  minQty: string;
  maxQty: string;
  minNotional: string;
}

export const SYMBOLS: readonly SymbolInfo[] = [
  {
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    quoteAsset: 'USDT',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000.00',
    stepSize: '0.00001',
    minQty: '0.00001',
    maxQty: '9000.00000',
    minNotional: '5.00',
  },
  {
    symbol: 'ETHUSDT',
    baseAsset: 'ETH',
    quoteAsset: 'USDT',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '1000000.00',
    stepSize: '0.0001',
    minQty: '0.0001',
    maxQty: '9000.0000',
    minNotional: '5.00',
  },
  {
    symbol: 'BNBUSDT',
    baseAsset: 'BNB',
    quoteAsset: 'USDT',
    tickSize: '0.01',
    minPrice: '0.01',
    maxPrice: '100000.00',
    stepSize: '0.001',
    minQty: '0.001',
    maxQty: '90000.000',
    minNotional: '5.00',
  },
];

const ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT'];
const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK'];
const NUMBER = /^([0-9]{1,20})(\.[0-9]{1,20})?$/;

const decimals = (step: string) => (step.includes('.') ? step.replace(/0+$/, '').split('.')[1]!.length : 0);

export function exchangeInfo(now: number, limits: { ipWeight: number }) {
  return {
    timezone: 'UTC',
    serverTime: now,
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: limits.ipWeight },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'ORDERS', interval: 'DAY', intervalNum: 1, limit: 200000 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: SYMBOLS.map((s) => ({
      symbol: s.symbol,
      status: 'TRADING',
      baseAsset: s.baseAsset,
      baseAssetPrecision: 8,
      quoteAsset: s.quoteAsset,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ORDER_TYPES,
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: s.minPrice, maxPrice: s.maxPrice, tickSize: s.tickSize },
        { filterType: 'LOT_SIZE', minQty: s.minQty, maxQty: s.maxQty, stepSize: s.stepSize },
        {
          filterType: 'NOTIONAL',
          minNotional: s.minNotional,
          applyMinToMarket: true,
          maxNotional: '9000000.00',
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
      ],
      permissions: [],
      permissionSets: [['SPOT']],
      defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
      allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
    })),
  };
}

export function symbolOf(params: URLSearchParams): SymbolInfo {
  const name = params.get('symbol');
  if (!name) throw refuse.mandatory('symbol');
  const symbol = SYMBOLS.find((s) => s.symbol === name);
  if (!symbol) throw badSymbol();
  return symbol;
}

export const badSymbol = () => new ApiError(400, -1121, 'Invalid symbol.');
const filterFailure = (filter: string) => new ApiError(400, -1013, `Filter failure: ${filter}`);

function decimal(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null) return undefined;
  if (raw === '' || !NUMBER.test(raw)) {
    throw new ApiError(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.`);
  }
  return Number(raw);
}

/** On the step grid: value = min + k·step, to the step's decimals. */
function onGrid(value: number, step: string): boolean {
  const scale = 10 ** decimals(step);
  const units = Math.round(value * scale);
  return Math.abs(units - value * scale) < 1e-6 && units % Math.round(Number(step) * scale) === 0;
}

/** Binance's checks on a new order; the last price is a fixed reference for MARKET notional. */
export function validateOrder(params: URLSearchParams): { symbol: SymbolInfo; side: string; type: string } {
  const symbol = symbolOf(params);
  const side = params.get('side');
  if (!side) throw refuse.mandatory('side');
  if (side !== 'BUY' && side !== 'SELL') throw new ApiError(400, -1117, 'Invalid side.');
  const type = params.get('type');
  if (!type) throw refuse.mandatory('type');
  if (!ORDER_TYPES.includes(type)) throw new ApiError(400, -1116, 'Invalid orderType.');
  const tif = params.get('timeInForce');
  const quantity = decimal(params, 'quantity');
  const quoteQty = decimal(params, 'quoteOrderQty');
  const price = decimal(params, 'price');
  const limitLike = type === 'LIMIT' || type === 'STOP_LOSS_LIMIT' || type === 'TAKE_PROFIT_LIMIT';
  if (limitLike) {
    if (tif === null) throw refuse.mandatory('timeInForce');
    if (!TIME_IN_FORCE.includes(tif)) throw new ApiError(400, -1115, 'Invalid timeInForce.');
  } else if (tif !== null && type !== 'LIMIT_MAKER') {
    throw new ApiError(400, -1106, "Parameter 'timeInForce' sent when not required.");
  }
  if (limitLike || type === 'LIMIT_MAKER') {
    if (quantity === undefined) throw refuse.mandatory('quantity');
    if (price === undefined) throw refuse.mandatory('price');
  } else if (type === 'MARKET') {
    if (quantity === undefined && quoteQty === undefined) throw refuse.mandatory('quantity');
    if (price !== undefined) throw new ApiError(400, -1106, "Parameter 'price' sent when not required.");
  } else if (quantity === undefined) {
    throw refuse.mandatory('quantity');
  }
  if (price !== undefined && (price < Number(symbol.minPrice) || price > Number(symbol.maxPrice) || !onGrid(price, symbol.tickSize))) {
    throw filterFailure('PRICE_FILTER');
  }
  if (
    quantity !== undefined &&
    (quantity < Number(symbol.minQty) || quantity > Number(symbol.maxQty) || !onGrid(quantity, symbol.stepSize))
  ) {
    throw filterFailure('LOT_SIZE');
  }
  const reference = price ?? REFERENCE_PRICE[symbol.symbol]!;
  const notional = quoteQty ?? (quantity ?? 0) * reference;
  if (notional < Number(symbol.minNotional)) throw filterFailure('NOTIONAL');
  return { symbol, side, type };
}

/** The sandbox has no order book: MARKET orders are judged against these prices. */
export const REFERENCE_PRICE: Record<string, number> = { BTCUSDT: 60000, ETHUSDT: 3000, BNBUSDT: 600 };
