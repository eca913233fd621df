import type { HistoryRecord } from "../../store/index.ts";
import { FEATURES, type FeatureRow } from "./feature-set.ts";

/** Default bucket length: 5 minutes. */
export const DEFAULT_BUCKET_MS = 5 * 60_000;
/** How long after its end a bucket stays open for late rows (liquidations are classified late). */
export const DEFAULT_LATE_MS = 15_000;

const MOMENTUM_MS = 30 * 60_000;
const PEAK_MS = 24 * 3_600_000;

interface CoinBucket {
  devMax: number;
  cexDevMax: number;
}

interface CoinState {
  mark: number;
  oiUsd: number;
  volume: number;
  funding: number;
}

interface VaultState {
  role: "parent" | "child" | "liquidator";
  accountValue: number;
  unrealizedPnl: number;
  totalNtlPos: number;
}

/** What the previous emitted bucket ended with, for changes over a bucket. */
interface EndState {
  parentAv: number | null;
  drawdown: number | null;
  coins: Map<string, CoinState>;
}

/**
 * Turns stored time-series rows, in time order, into one feature vector per bucket: the one
 * implementation used both for training (rows read back from the database) and in the live
 * pipeline (the same rows as the store queues them), so a model scores exactly what it learnt.
 *
 * A bucket closes once a row or a clock time at least `lateMs` past its end arrives; rows for a
 * closed bucket are counted in `late` and dropped. A bucket without any market sample, or before
 * the HLP parent's account value is known, is a gap: no row is emitted (nothing is made up), and
 * the next row's changes are measured from the last emitted one.
 */
export class FeatureBuilder {
  readonly bucketMs: number;
  readonly lateMs: number;
  late = 0;
  #bucket: number | null = null;
  #coins = new Map<string, CoinBucket>();
  #coinState = new Map<string, CoinState>();
  #vaults = new Map<string, VaultState>();
  #parent: string | null = null;
  #pnl = new Map<string, { time: number; pnl: number; av: number }>();
  /** Parent cumulative PnL readings within the momentum window, oldest first. */
  #pnlHistory: { time: number; pnl: number }[] = [];
  /** Parent account value at each emitted bucket end within the peak window. */
  #avHistory: { time: number; av: number }[] = [];
  #liq = { count: 0, notional: 0, max: 0, adl: 0 };
  #prev: EndState | null = null;
  /** Rows of later buckets that arrived while the current one waits for late rows. */
  #ahead: HistoryRecord[] = [];

  constructor(opts: { bucketMs?: number; lateMs?: number } = {}) {
    this.bucketMs = opts.bucketMs ?? DEFAULT_BUCKET_MS;
    this.lateMs = opts.lateMs ?? DEFAULT_LATE_MS;
  }

  /** Adds one row. @returns the rows of buckets this row closed (usually none). */
  add(r: HistoryRecord): FeatureRow[] {
    const t = r.row.time;
    if (this.#bucket === null) this.#bucket = Math.floor(t / this.bucketMs) * this.bucketMs;
    if (t < this.#bucket) {
      this.late++;
      return [];
    }
    if (t < this.#bucket + this.bucketMs) this.#apply(r);
    else this.#ahead.push(r);
    return this.closeUntil(t);
  }

  /** Closes every bucket that ended at least `lateMs` before `now` (clock ticks, end of data). */
  closeUntil(now: number): FeatureRow[] {
    const out: FeatureRow[] = [];
    while (this.#bucket !== null && this.#bucket + this.bucketMs + this.lateMs <= now) {
      this.#finish(out);
      this.#applyAhead();
    }
    return out;
  }

  /** Applies the rows held for the (now) current bucket, in time order. */
  #applyAhead(): void {
    if (this.#ahead.length === 0 || this.#bucket === null) return;
    const end = this.#bucket + this.bucketMs;
    const due = this.#ahead.filter((r) => r.row.time < end).sort((a, b) => a.row.time - b.row.time);
    if (due.length === 0) return;
    this.#ahead = this.#ahead.filter((r) => r.row.time >= end);
    for (const r of due) this.#apply(r);
  }

  #apply(r: HistoryRecord): void {
    switch (r.type) {
      case "vaultState": {
        const s = r.row;
        if (s.role === "parent") this.#parent = s.vault;
        this.#vaults.set(s.vault, {
          role: s.role,
          accountValue: s.accountValue,
          unrealizedPnl: s.unrealizedPnl,
          totalNtlPos: s.totalNtlPos,
        });
        return;
      }
      case "vaultPnl": {
        const p = r.row;
        this.#pnl.set(p.vault, { time: p.time, pnl: p.cumulativePnl, av: p.accountValue });
        if (p.vault === this.#parent) {
          const last = this.#pnlHistory.at(-1);
          if (!last || last.time < p.time)
            this.#pnlHistory.push({ time: p.time, pnl: p.cumulativePnl });
        }
        return;
      }
      case "market": {
        const m = r.row;
        const c = this.#coins.get(m.coin) ?? { devMax: 0, cexDevMax: 0 };
        c.devMax = Math.max(c.devMax, Math.abs(m.markPx - m.oraclePx) / m.oraclePx);
        for (const ref of [m.binancePx, m.coinbasePx])
          if (ref !== null && ref > 0)
            c.cexDevMax = Math.max(c.cexDevMax, Math.abs(m.oraclePx - ref) / ref);
        this.#coins.set(m.coin, c);
        this.#coinState.set(m.coin, {
          mark: m.markPx,
          oiUsd: m.openInterest * m.markPx,
          volume: m.dayNtlVlm,
          funding: m.funding,
        });
        return;
      }
      case "liquidation": {
        const l = r.row;
        this.#liq.count++;
        this.#liq.notional += l.notionalUsd;
        this.#liq.max = Math.max(this.#liq.max, l.notionalUsd);
        if (l.method === "adl") this.#liq.adl += l.notionalUsd;
        return;
      }
    }
  }

  /** Ends the current bucket, appending its row unless it is a gap, and opens the next. */
  #finish(out: FeatureRow[]): void {
    const start = this.#bucket;
    if (start === null) return;
    const end = start + this.bucketMs;
    const parent = this.#parent ? this.#vaults.get(this.#parent) : undefined;
    if (this.#coins.size > 0 && parent && parent.accountValue > 0) {
      out.push({ start, end, values: this.#values(end, parent.accountValue) });
    }
    this.#bucket = end;
    this.#coins = new Map();
    this.#liq = { count: 0, notional: 0, max: 0, adl: 0 };
  }

  #values(end: number, av: number): Float64Array {
    const prev = this.#prev;
    this.#avHistory.push({ time: end, av });
    while ((this.#avHistory[0]?.time ?? end) <= end - PEAK_MS) this.#avHistory.shift();
    let peak = av;
    for (const h of this.#avHistory) peak = Math.max(peak, h.av);
    const drawdown = (peak - av) / peak;

    while (this.#pnlHistory.length > 1 && (this.#pnlHistory[1]?.time ?? end) <= end - MOMENTUM_MS)
      this.#pnlHistory.shift();
    const firstPnl = this.#pnlHistory[0];
    const lastPnl = this.#pnlHistory.at(-1);
    const momentum = firstPnl && lastPnl ? (lastPnl.pnl - firstPnl.pnl) / av : 0;

    let liqUpnl = 0;
    let liqAv = 0;
    let liqNtl = 0;
    for (const v of this.#vaults.values()) {
      if (v.role !== "liquidator") continue;
      liqUpnl += v.unrealizedPnl;
      liqAv += v.accountValue;
      liqNtl += v.totalNtlPos;
    }

    let devMax = 0;
    let devSum = 0;
    let cexMax = 0;
    for (const c of this.#coins.values()) {
      devMax = Math.max(devMax, c.devMax);
      devSum += c.devMax;
      cexMax = Math.max(cexMax, c.cexDevMax);
    }

    let fundingMax = 0;
    let oiNow = 0;
    let oiPrev = 0;
    let volNow = 0;
    let volPrev = 0;
    let moveMax = 0;
    for (const [coin, s] of this.#coinState) {
      fundingMax = Math.max(fundingMax, Math.abs(s.funding));
      const p = prev?.coins.get(coin);
      if (!p) continue;
      oiNow += s.oiUsd;
      oiPrev += p.oiUsd;
      volNow += s.volume;
      volPrev += p.volume;
      if (p.mark > 0 && s.mark > 0)
        moveMax = Math.max(moveMax, Math.abs(Math.log(s.mark / p.mark)));
    }

    const values = new Float64Array(FEATURES.length);
    values[0] = prev?.parentAv ? Math.log(av / prev.parentAv) * 1e4 : 0;
    values[1] = momentum * 1e4;
    values[2] =
      prev?.drawdown !== null && prev?.drawdown !== undefined
        ? (drawdown - prev.drawdown) * 1e4
        : 0;
    values[3] = liqAv > 0 ? (liqUpnl / liqAv) * 1e4 : 0;
    values[4] = liqAv > 0 ? liqNtl / liqAv : 0;
    values[5] = devMax * 1e4;
    values[6] = (devSum / this.#coins.size) * 1e4;
    values[7] = cexMax * 1e4;
    values[8] = Math.log1p(this.#liq.count);
    values[9] = Math.log1p(this.#liq.notional);
    values[10] = Math.log1p(this.#liq.max);
    values[11] = Math.log1p(this.#liq.adl);
    values[12] = fundingMax * 1e4;
    values[13] = oiPrev > 0 ? (oiNow / oiPrev - 1) * 1e4 : 0;
    values[14] = volPrev > 0 ? (volNow / volPrev - 1) * 1e4 : 0;
    values[15] = moveMax * 1e4;

    const coins = new Map<string, CoinState>();
    for (const [coin, s] of this.#coinState) coins.set(coin, { ...s });
    this.#prev = { parentAv: av, drawdown, coins };
    return values;
  }
}
