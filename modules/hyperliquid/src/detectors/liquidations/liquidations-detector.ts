import { type DetectorOutput, type Severity, type Signal, severityRank } from "@kamiyo/core";
import type { HlObservation, LiquidationEvent } from "../../observations.ts";
import { defineDetector } from "../../plugin-kit.ts";
import { amount, price, round, usd } from "../format.ts";
import { RaiseGate, SlidingWindow } from "../window.ts";
import { type LiquidationsConfig, liquidationsConfig } from "./config.ts";
import { LiquidationTracker } from "./liquidation-tracker.ts";

interface EventItem {
  time: number;
  value: number;
  event: LiquidationEvent;
}

interface Episode {
  first: number;
  last: number;
  count: number;
  notional: number;
  longs: number;
  shorts: number;
  againstLiquidator: boolean;
}

/** Liquidations, backstop takeovers, ADL, bursts, cascades and repeats, from fills and public trades. */
export const liquidationsDetector = defineDetector({
  kind: "liquidations",
  description:
    "Backstop takeovers by HLP liquidator vaults, ADL fills, large single liquidations, sliding-window bursts, cascades and same-account repeats",
  config: liquidationsConfig,
  create(config, ctx) {
    const tracker = new LiquidationTracker(config.confirmMs);
    const state = new LiquidationRules(config);
    // Every classified event is handed on for storage (old ones too), then judged by the rules.
    const take = (e: LiquidationEvent, now: number, out: DetectorOutput) => {
      const classified: HlObservation = { type: "liquidation", time: e.time, event: e };
      out.keep?.(classified);
      state.add(e, now, tracker.liquidators, out);
    };
    return {
      accepts: ["vaultFamily", "vaultState", "fills", "trades"],
      observe(obs, out) {
        const now = ctx.now();
        for (const e of tracker.observe(obs, now)) take(e, now, out);
      },
      tick(now, out) {
        for (const e of tracker.flush(now)) take(e, now, out);
        state.expire(now);
      },
    };
  },
});

class LiquidationRules {
  readonly #c: LiquidationsConfig;
  readonly #burst = new Map<string, SlidingWindow<EventItem>>();
  readonly #cascade = new Map<string, SlidingWindow<EventItem>>();
  readonly #repeat = new Map<string, SlidingWindow<EventItem>>();
  readonly #backstops = new Map<string, Episode>();
  readonly #adls = new Map<string, Episode>();
  /** Coins with a cascade, by the data time of their latest cascade event. */
  readonly #cascading = new Map<string, number>();
  readonly #gate = new RaiseGate(1_000);

  constructor(config: LiquidationsConfig) {
    this.#c = config;
  }

  add(
    e: LiquidationEvent,
    now: number,
    liquidators: ReadonlySet<string>,
    out: DetectorOutput,
  ): void {
    const c = this.#c;
    if (now - e.time > c.maxEventAgeMs) return;
    const item: EventItem = { time: e.time, value: e.notionalUsd, event: e };
    // Inside a cascade, large single liquidations are part of it (its evidence keeps the largest)
    // rather than a finding each.
    const cascading = this.#cascadeRule(item, out);
    if (e.method !== "adl" && e.notionalUsd >= c.largeUsd && !cascading) this.#large(e, out);
    if (e.method === "backstop" && e.notionalUsd >= c.backstopMinUsd)
      this.#episode("backstop", e, liquidators, out);
    if (e.method === "adl") this.#episode("adl", e, liquidators, out);
    this.#burstRule(item, out);
    if (e.liquidatedUser && !liquidators.has(e.liquidatedUser))
      this.#repeatRule(item, e.liquidatedUser, out);
  }

  /** Forgets idle episodes so the next event starts a new one. */
  expire(now: number): void {
    for (const map of [this.#backstops, this.#adls]) {
      for (const [coin, ep] of map) if (now - ep.last > this.#c.episodeHoldMs) map.delete(coin);
    }
    for (const [coin, t] of this.#cascading)
      if (now - t > this.#c.cascadeWindowMs) this.#cascading.delete(coin);
  }

  /** Raises `build()` unless the same condition was raised less than a second of data time ago at no lower severity. */
  #raise(
    out: DetectorOutput,
    gateKey: string,
    severity: Severity,
    dataTime: number,
    build: () => Signal,
  ): void {
    if (this.#gate.allow(gateKey, dataTime, severityRank(severity))) out.raise(build());
  }

  #large(e: LiquidationEvent, out: DetectorOutput): void {
    const severity: Severity = e.notionalUsd >= this.#c.largeCriticalUsd ? "critical" : "high";
    const how = e.method === "backstop" ? "Backstop liquidation" : "Liquidation";
    out.raise({
      kind: "large-liquidation",
      subject: { type: "asset", id: e.coin },
      key: e.id,
      severity,
      title: `${how} of ${usd(e.notionalUsd)} ${e.coin} ${e.liquidatedSide} (${amount(e.sz)} at ${price(e.px)})`,
      evidence: evidenceOf(e),
      dataTime: e.time,
      holdMs: this.#c.episodeHoldMs,
    });
  }

  #episode(
    kind: "backstop" | "adl",
    e: LiquidationEvent,
    liquidators: ReadonlySet<string>,
    out: DetectorOutput,
  ): void {
    const c = this.#c;
    const map = kind === "backstop" ? this.#backstops : this.#adls;
    const ep = map.get(e.coin) ?? {
      first: e.time,
      last: e.time,
      count: 0,
      notional: 0,
      longs: 0,
      shorts: 0,
      againstLiquidator: false,
    };
    ep.last = Math.max(ep.last, e.time);
    ep.count++;
    ep.notional += e.notionalUsd;
    if (e.liquidatedSide === "long") ep.longs++;
    else ep.shorts++;
    ep.againstLiquidator ||= e.liquidatedUser !== null && liquidators.has(e.liquidatedUser);
    map.set(e.coin, ep);
    const evidence = {
      count: ep.count,
      notionalUsd: round(ep.notional),
      longsLiquidated: ep.longs,
      shortsLiquidated: ep.shorts,
      firstAt: ep.first,
      lastAt: ep.last,
      lastPx: e.px,
      lastSize: e.sz,
    };
    if (kind === "backstop") {
      const severity: Severity =
        ep.notional >= c.backstopCriticalUsd
          ? "critical"
          : ep.notional >= c.backstopHighUsd
            ? "high"
            : "medium";
      const side = ep.longs >= ep.shorts ? "long" : "short";
      this.#raise(out, `backstop|${e.coin}`, severity, e.time, () => ({
        kind: "backstop",
        subject: { type: "asset", id: e.coin },
        severity,
        title: `HLP liquidator absorbed ${usd(ep.notional)} of ${e.coin} ${side} positions (${ep.count} backstop liquidation${ep.count > 1 ? "s" : ""})`,
        evidence: { ...evidence, liquidator: e.counterparty },
        dataTime: e.time,
        holdMs: c.episodeHoldMs,
      }));
      return;
    }
    const severity: Severity =
      ep.againstLiquidator || ep.notional >= c.adlCriticalUsd
        ? "critical"
        : ep.notional >= c.adlHighUsd
          ? "high"
          : "medium";
    this.#raise(out, `adl|${e.coin}`, severity, e.time, () => ({
      kind: "adl",
      subject: { type: "asset", id: e.coin },
      severity,
      title: `Auto-deleveraging on ${e.coin}: ${ep.count} fill${ep.count > 1 ? "s" : ""}, ${usd(ep.notional)}${ep.againstLiquidator ? " (HLP liquidator underwater)" : ""}`,
      evidence: { ...evidence, againstLiquidator: ep.againstLiquidator },
      dataTime: e.time,
      holdMs: c.episodeHoldMs,
    }));
  }

  #burstRule(item: EventItem, out: DetectorOutput): void {
    const c = this.#c;
    const e = item.event;
    const w = windowFor(this.#burst, e.coin, c.burstWindowMs);
    w.add(item);
    if (w.sum < c.burstMinUsd || w.count < c.burstMinCount) return;
    const severity: Severity =
      w.sum >= c.burstCriticalUsd ? "critical" : w.sum >= c.burstHighUsd ? "high" : "medium";
    this.#raise(out, `burst|${e.coin}`, severity, e.time, () => ({
      kind: "burst",
      subject: { type: "asset", id: e.coin },
      severity,
      title: `${usd(w.sum)} of ${e.coin} liquidated within ${c.burstWindowMs / 1000} s (${w.count} liquidations)`,
      evidence: {
        ...sideCounts(w.items()),
        notionalUsd: round(w.sum),
        count: w.count,
        windowMs: c.burstWindowMs,
      },
      dataTime: e.time,
      holdMs: 2 * 60_000,
    }));
  }

  /** @returns whether the coin is in a cascade. */
  #cascadeRule(item: EventItem, out: DetectorOutput): boolean {
    const c = this.#c;
    const e = item.event;
    const w = windowFor(this.#cascade, e.coin, c.cascadeWindowMs);
    w.add(item);
    if (w.count < c.cascadeMinCount) return false;
    this.#cascading.set(e.coin, e.time);
    const severity: Severity = w.sum >= c.cascadeCriticalUsd ? "critical" : "high";
    this.#raise(out, `cascade|${e.coin}`, severity, e.time, () => {
      const items = w.items();
      let minPx = Number.POSITIVE_INFINITY;
      let maxPx = 0;
      let largestUsd = 0;
      for (const i of items) {
        minPx = Math.min(minPx, i.event.px);
        maxPx = Math.max(maxPx, i.event.px);
        largestUsd = Math.max(largestUsd, i.value);
      }
      const first = items[0]?.event ?? e;
      return {
        kind: "cascade",
        subject: { type: "asset", id: e.coin },
        severity,
        title: `Liquidation cascade on ${e.coin}: ${w.count} liquidations, ${usd(w.sum)} in ${Math.round(c.cascadeWindowMs / 60_000)} min`,
        evidence: {
          ...sideCounts(items),
          count: w.count,
          notionalUsd: round(w.sum),
          windowMs: c.cascadeWindowMs,
          firstAt: first.time,
          minPx,
          maxPx,
          largestUsd: round(largestUsd),
          priceMovePct: round(((e.px - first.px) / first.px) * 100, 3),
        },
        dataTime: e.time,
        holdMs: c.cascadeWindowMs,
      };
    });
    if (this.#cascading.size < c.marketCascadeCoins) return true;
    this.#raise(out, "market-cascade", "critical", e.time, () => {
      const coins = [...this.#cascading.keys()].sort();
      let total = 0;
      for (const coin of coins) total += this.#cascade.get(coin)?.sum ?? 0;
      return {
        kind: "market-cascade",
        subject: { type: "market", id: "hyperliquid" },
        severity: "critical",
        title: `Market-wide liquidation cascade: ${coins.length} coins, ${usd(total)} in ${Math.round(c.cascadeWindowMs / 60_000)} min`,
        evidence: { coins, coinCount: coins.length, notionalUsd: round(total) },
        dataTime: e.time,
        holdMs: c.cascadeWindowMs,
      };
    });
    return true;
  }

  #repeatRule(item: EventItem, user: string, out: DetectorOutput): void {
    const c = this.#c;
    const w = windowFor(this.#repeat, user, c.repeatWindowMs);
    w.add(item);
    if (w.count < c.repeatMinCount || w.sum < c.repeatMinUsd) return;
    this.#raise(out, `repeat|${user}`, "high", item.time, () => ({
      kind: "repeat",
      subject: { type: "user", id: user },
      severity: "high",
      title: `Account ${user.slice(0, 10)}… liquidated ${w.count} times for ${usd(w.sum)} within ${Math.round(c.repeatWindowMs / 60_000)} min`,
      evidence: {
        count: w.count,
        notionalUsd: round(w.sum),
        coins: [...new Set(w.items().map((i) => i.event.coin))].sort(),
      },
      dataTime: item.time,
      holdMs: c.repeatWindowMs,
    }));
  }
}

function windowFor(
  map: Map<string, SlidingWindow<EventItem>>,
  key: string,
  spanMs: number,
): SlidingWindow<EventItem> {
  let w = map.get(key);
  if (!w) {
    w = new SlidingWindow<EventItem>(spanMs, 50_000);
    map.set(key, w);
  }
  return w;
}

function sideCounts(items: readonly EventItem[]): {
  longsLiquidated: number;
  shortsLiquidated: number;
} {
  let longs = 0;
  for (const i of items) if (i.event.liquidatedSide === "long") longs++;
  return { longsLiquidated: longs, shortsLiquidated: items.length - longs };
}

function evidenceOf(e: LiquidationEvent) {
  return {
    method: e.method,
    liquidatedSide: e.liquidatedSide,
    px: e.px,
    size: e.sz,
    notionalUsd: round(e.notionalUsd),
    liquidatedUser: e.liquidatedUser,
    counterparty: e.counterparty,
    tradeId: e.id,
  };
}
