/**
 * Builders for replay scenarios: real payload shapes (decimal strings, documented fields),
 * candle-driven price paths, and an NDJSON writer. Scenario files are reconstructions and say
 * so in their first (meta) line; the README in fixtures/scenarios/ says what is real.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/", import.meta.url));

export const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
export const HLP_LEADER = "0x677d831aef5328190852e24f13c46cac05f984e7";
export const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
export const STANDALONE_LIQUIDATOR = "0x63c621a33714ec48660e32f2374895c8026a3a00";

/** The HLP family as documented (HYPERLIQUID.md §1.5), and the standalone liquidator vault. */
export const FAMILY = [
  { address: HLP, name: "Hyperliquidity Provider (HLP)" },
  { address: "0x010461c14e146ac35fe42271bdc1134ee31c703a", name: "HLP Strategy A" },
  { address: "0x31ca8395cf837de08b24da3f660e77761dfb974b", name: "HLP Strategy B" },
  { address: "0x469f690213c467c39a23efacfd2816896009d7d8", name: "HLP Strategy X" },
  { address: LIQUIDATOR, name: "HLP Liquidator" },
  { address: "0xb0a55f13d22f66e6d495ac98113841b2326e9540", name: "HLP Liquidator 2" },
  { address: "0x5e177e5e39c0f4e421f5865a6d8beed8d921cb70", name: "HLP Liquidator 3" },
  { address: "0x2ed5c4484ea3ff8b57d5f2fb152a40d9f2b68308", name: "HLP Liquidator 4" },
] as const;

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A decimal string as Hyperliquid writes it: no exponent, at least one decimal ("1915.0"). */
export function dec(n: number, decimals = 6): string {
  if (!Number.isFinite(n)) throw new Error(`not finite: ${n}`);
  let s = n.toFixed(decimals);
  if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, ".0");
  if (s === "-0.0") s = "0.0";
  return s;
}

/** Price decimals: enough significant digits for tiny prices. */
export function px(n: number): string {
  const decimals = n >= 1000 ? 1 : n >= 10 ? 3 : n >= 1 ? 4 : 7;
  return dec(n, decimals);
}

export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Reads a converted freqtrade candle CSV (`time_ms,open,high,low,close,volume`). */
export function readCandles(file: string): Candle[] {
  const [, ...rows] = readFileSync(`${FIXTURES}hyperliquid/candles/${file}`, "utf8")
    .trim()
    .split("\n");
  return rows.map((r) => {
    const [t, o, h, l, c, v] = r.split(",").map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    return { t, o, h, l, c, v };
  });
}

/**
 * Waypoints of a price path through candles: within each candle open → (low, high) → close in
 * the order the candle's direction suggests (a falling candle visits its high first).
 */
export function candlePoints(candles: readonly Candle[], spanMs: number): [number, number][] {
  const points: [number, number][] = [];
  for (const k of candles) {
    const up = k.c >= k.o;
    points.push([k.t, k.o]);
    points.push([k.t + spanMs * 0.3, up ? k.l : k.h]);
    points.push([k.t + spanMs * 0.7, up ? k.h : k.l]);
    points.push([k.t + spanMs - 1, k.c]);
  }
  return points;
}

/** Replaces the waypoints in [from, to) with `custom` (which should start at `from`). */
export function withWaypoints(
  points: [number, number][],
  from: number,
  to: number,
  custom: [number, number][],
): [number, number][] {
  return [...points.filter(([t]) => t < from), ...custom, ...points.filter(([t]) => t >= to)].sort(
    (a, b) => a[0] - b[0],
  );
}

/** A linear price path through candle waypoints. */
export function candlePath(candles: readonly Candle[], spanMs: number): (t: number) => number {
  const points = candlePoints(candles, spanMs);
  return (t) => interpolate(points, t);
}

/** Linear interpolation over sorted points, clamped at both ends. */
export function interpolate(points: readonly (readonly [number, number])[], t: number): number {
  const first = points[0];
  const last = points.at(-1);
  if (!first || !last) throw new Error("no points");
  if (t <= first[0]) return first[1];
  if (t >= last[0]) return last[1];
  let lo = 0;
  let hi = points.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] as [number, number])[0] <= t) lo = mid;
    else hi = mid;
  }
  const [t0, v0] = points[lo] as [number, number];
  const [t1, v1] = points[hi] as [number, number];
  return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}

/** Hourly funding from a freqtrade funding CSV (`open` holds the rate). */
export function fundingSeries(file: string): (t: number) => number {
  const candles = readCandles(file);
  return (t) => {
    let rate = candles[0]?.o ?? 0.0000125;
    for (const k of candles) if (k.t <= t) rate = k.o;
    return rate;
  };
}

export interface AssetState {
  name: string;
  szDecimals: number;
  maxLeverage: number;
  markPx: number;
  oraclePx: number;
  midPx: number | null;
  funding: number;
  /** Base units. */
  openInterest: number;
  dayNtlVlm: number;
  prevDayPx: number;
  isDelisted?: boolean;
  /** Impact bid/ask spread as a fraction of mid. Default 0.0004. */
  impactSpread?: number;
}

/** A `metaAndAssetCtxs` response. */
export function metaAndAssetCtxs(assets: readonly AssetState[]): unknown {
  return [
    {
      universe: assets.map((a) => ({
        szDecimals: a.szDecimals,
        name: a.name,
        maxLeverage: a.maxLeverage,
        marginTableId: a.maxLeverage,
        ...(a.isDelisted ? { isDelisted: true } : {}),
      })),
      marginTables: [],
      collateralToken: 0,
    },
    assets.map((a) => {
      const spread = (a.impactSpread ?? 0.0004) / 2;
      const mid = a.midPx;
      return {
        funding: dec(a.funding, 10),
        openInterest: dec(a.openInterest, 4),
        prevDayPx: px(a.prevDayPx),
        dayNtlVlm: dec(a.dayNtlVlm, 4),
        premium: mid === null ? null : dec(a.markPx / a.oraclePx - 1, 10),
        oraclePx: px(a.oraclePx),
        markPx: px(a.markPx),
        midPx: mid === null ? null : px(mid),
        impactPxs: mid === null ? null : [px(mid * (1 - spread)), px(mid * (1 + spread))],
        dayBaseVlm: dec(a.dayNtlVlm / a.markPx, 2),
      };
    }),
  ];
}

export interface PositionState {
  coin: string;
  szi: number;
  entryPx: number;
  markPx: number;
  leverage?: number;
}

/** A `clearinghouseState` response. */
export function clearinghouseState(
  time: number,
  accountValue: number,
  positions: readonly PositionState[],
): unknown {
  let ntl = 0;
  let margin = 0;
  const assetPositions = positions.map((p) => {
    const value = Math.abs(p.szi) * p.markPx;
    const lev = p.leverage ?? 10;
    ntl += value;
    margin += value / lev;
    const upnl = p.szi * (p.markPx - p.entryPx);
    return {
      type: "oneWay",
      position: {
        coin: p.coin,
        szi: dec(p.szi, 4),
        leverage: { type: "cross", value: lev },
        entryPx: px(p.entryPx),
        positionValue: dec(value, 4),
        unrealizedPnl: dec(upnl, 4),
        returnOnEquity: dec(upnl / (value / lev || 1), 8),
        liquidationPx: null,
        marginUsed: dec(value / lev, 4),
        maxLeverage: 50,
        cumFunding: { allTime: "0.0", sinceOpen: "0.0", sinceChange: "0.0" },
      },
    };
  });
  const summary = {
    accountValue: dec(accountValue, 4),
    totalNtlPos: dec(ntl, 4),
    totalRawUsd: dec(accountValue, 4),
    totalMarginUsed: dec(margin, 4),
  };
  return {
    marginSummary: summary,
    crossMarginSummary: summary,
    crossMaintenanceMarginUsed: dec(margin / 2, 4),
    withdrawable: dec(Math.max(0, accountValue - margin), 4),
    assetPositions,
    time,
  };
}

/** A `vaultDetails` response (without the portfolio and followers the monitor does not read). */
export function vaultDetails(
  address: string,
  name: string,
  children: readonly string[] | null,
): unknown {
  return {
    name,
    vaultAddress: address,
    leader: children ? HLP_LEADER : HLP,
    description: "",
    portfolio: [],
    apr: 0.1,
    followerState: null,
    leaderFraction: 0.0008,
    leaderCommission: 0,
    followers: [],
    maxDistributable: 0,
    maxWithdrawable: 0,
    isClosed: false,
    relationship: children
      ? { type: "parent", data: { childAddresses: children } }
      : { type: "child" },
    allowDeposits: children !== null,
    alwaysCloseOnWithdraw: false,
  };
}

export type Series = [number, number][];

/** A `portfolio` response: the four periods and their perp-only twins (same data here). */
export function portfolio(
  periods: Record<"day" | "week" | "month" | "allTime", { accountValue: Series; pnl: Series }>,
): unknown {
  const one = (p: { accountValue: Series; pnl: Series }) => ({
    accountValueHistory: p.accountValue.map(([t, v]) => [t, dec(v, 6)]),
    pnlHistory: p.pnl.map(([t, v]) => [t, dec(v, 6)]),
    vlm: "0.0",
  });
  const names = ["day", "week", "month", "allTime"] as const;
  return [
    ...names.map((n) => [n, one(periods[n])]),
    ...names.map((n) => [`perp${n[0]?.toUpperCase()}${n.slice(1)}`, one(periods[n])]),
  ];
}

/** Samples `f` from `from` to `to` every `step` ms. */
export function sample(from: number, to: number, step: number, f: (t: number) => number): Series {
  const out: Series = [];
  for (let t = from; t <= to; t += step) out.push([t, f(t)]);
  return out;
}

let tidCounter = 700_000_000_000_000;
/** A fresh trade id (Hyperliquid tids are 50-bit hashes; these are sequential and unique). */
export function nextTid(): number {
  tidCounter += 7919;
  return tidCounter;
}

/** A 0x-prefixed 64-hex transaction hash derived from a number. */
export function hashOf(n: number): string {
  return `0x${n.toString(16).padStart(64, "0")}`;
}

export interface TradeSpec {
  coin: string;
  side: "B" | "A";
  px: number;
  sz: number;
  time: number;
  tid: number;
  buyer: string;
  seller: string;
}

export function tradesFrame(trades: readonly TradeSpec[]): unknown {
  return {
    channel: "trades",
    data: trades.map((t) => ({
      coin: t.coin,
      side: t.side,
      px: px(t.px),
      sz: dec(t.sz, 4),
      hash: hashOf(t.tid),
      time: t.time,
      tid: t.tid,
      users: [t.buyer, t.seller],
    })),
  };
}

export interface FillSpec {
  coin: string;
  px: number;
  sz: number;
  side: "B" | "A";
  time: number;
  startPosition: number;
  dir: string;
  closedPnl: number;
  tid: number;
  liquidation?: { liquidatedUser: string; markPx: number; method: "market" | "backstop" };
}

export function fillJson(f: FillSpec): unknown {
  return {
    coin: f.coin,
    px: px(f.px),
    sz: dec(f.sz, 4),
    side: f.side,
    time: f.time,
    startPosition: dec(f.startPosition, 4),
    dir: f.dir,
    closedPnl: dec(f.closedPnl, 6),
    hash: hashOf(f.tid),
    oid: Math.floor(f.tid / 1000),
    crossed: true,
    fee: "0.0",
    tid: f.tid,
    ...(f.liquidation
      ? {
          liquidation: {
            liquidatedUser: f.liquidation.liquidatedUser,
            markPx: px(f.liquidation.markPx),
            method: f.liquidation.method,
          },
        }
      : {}),
    feeToken: "USDC",
    twapId: null,
  };
}

export function userFillsFrame(user: string, fills: readonly FillSpec[]): unknown {
  return { channel: "userFills", data: { user, fills: fills.map(fillJson) } };
}

/** A Coinbase Exchange product ticker response. */
export function coinbaseTicker(price: number, time: number, tradeId: number): unknown {
  return {
    ask: px(price * 1.0001),
    bid: px(price * 0.9999),
    volume: "12345.67",
    trade_id: tradeId,
    price: px(price),
    size: "0.5",
    time: new Date(time).toISOString(),
  };
}

/** Collects replay lines and writes them sorted by ts (stable for equal ts). */
export class ScenarioFile {
  readonly #lines: { ts: number; seq: number; line: Record<string, unknown> }[] = [];
  #seq = 0;

  constructor(label: string, description: string, start: number, sources: readonly string[]) {
    this.#add(start, { src: "meta", label, description, sources });
  }

  info(ts: number, req: Record<string, unknown>, res: unknown): void {
    this.#add(ts, { src: "hl.info", req, res });
  }

  ws(ts: number, msg: unknown): void {
    this.#add(ts, { src: "hl.ws", msg });
  }

  binance(ts: number, prices: Record<string, number>): void {
    const res = Object.entries(prices).map(([symbol, p]) => ({ symbol, price: dec(p, 8) }));
    this.#add(ts, { src: "binance", req: { path: "/api/v3/ticker/price" }, res });
  }

  coinbase(ts: number, path: string, res: unknown): void {
    this.#add(ts, { src: "coinbase", req: { path }, res });
  }

  /** Writes the file, gzip-compressed (deterministic output); returns the number of lines. */
  save(name: string): number {
    const sorted = [...this.#lines].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    const text = `${sorted.map((l) => JSON.stringify({ ts: l.ts, ...l.line })).join("\n")}\n`;
    writeFileSync(`${FIXTURES}scenarios/${name}`, gzipSync(text, { level: 9 }));
    return sorted.length;
  }

  #add(ts: number, line: Record<string, unknown>): void {
    this.#lines.push({ ts: Math.round(ts), seq: this.#seq++, line });
  }
}

/** Records the family's vaultDetails and the Coinbase product list at the start. */
export function familyAndListings(f: ScenarioFile, t: number, coins: readonly string[]): void {
  f.info(
    t,
    { type: "vaultDetails", vaultAddress: HLP },
    vaultDetails(
      HLP,
      FAMILY[0].name,
      FAMILY.slice(1).map((m) => m.address),
    ),
  );
  for (const m of FAMILY.slice(1))
    f.info(
      t,
      { type: "vaultDetails", vaultAddress: m.address },
      vaultDetails(m.address, m.name, null),
    );
  f.info(
    t,
    { type: "vaultDetails", vaultAddress: STANDALONE_LIQUIDATOR },
    {
      ...(vaultDetails(STANDALONE_LIQUIDATOR, "Liquidator", null) as object),
      relationship: { type: "normal" },
    },
  );
  f.coinbase(
    t,
    "/products",
    [...coins, "USDT"].map((c) => ({
      id: `${c}-USD`,
      base_currency: c,
      quote_currency: "USD",
      status: "online",
    })),
  );
}

/**
 * A `portfolio` response at `t` for a vault whose cumulative PnL and account value are functions
 * of time: day every 15 min, week every 3 h, month daily, all-time weekly, each ending at `t`.
 */
export function portfolioAt(
  t: number,
  pnlAt: (t: number) => number,
  accountValueAt: (t: number) => number,
): unknown {
  const series = (span: number, step: number): { pnl: Series; accountValue: Series } => {
    const from = t - span;
    const pts = sample(from - (from % step) + step, t, step, (x) => x);
    if (pts.at(-1)?.[0] !== t) pts.push([t, t]);
    return {
      pnl: pts.map(([x]) => [x, pnlAt(x)]),
      accountValue: pts.map(([x]) => [x, accountValueAt(x)]),
    };
  };
  return portfolio({
    day: series(DAY, 15 * MINUTE),
    week: series(7 * DAY, 3 * HOUR),
    month: series(30 * DAY, DAY),
    allTime: series(90 * DAY, 7 * DAY),
  });
}

/** The `portfolio` of a vault that made no PnL, flat at `accountValue`. */
export function flatPortfolio(t: number, accountValue: number): unknown {
  const flat = (span: number, step: number) => {
    const pts = sample(t - span + step, t, step, () => 0);
    return { pnl: pts, accountValue: pts.map(([x]) => [x, accountValue] as [number, number]) };
  };
  return portfolio({
    day: flat(DAY, HOUR),
    week: flat(7 * DAY, DAY),
    month: flat(30 * DAY, 7 * DAY),
    allTime: flat(90 * DAY, 30 * DAY),
  });
}

/** A random ordinary trader's address; `pad` fills its high digits, so each file's traders differ. */
export function traderAddress(rand: () => number, pad: string): string {
  return `0x${Math.floor(rand() * 2 ** 52)
    .toString(16)
    .padStart(40, pad)}`;
}
