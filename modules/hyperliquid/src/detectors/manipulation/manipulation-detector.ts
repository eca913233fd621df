import { type DetectorOutput, SEVERITIES, type Severity, severityRank } from "@kamiyo/core";
import type { AssetCtx } from "../../observations.ts";
import { defineDetector } from "../../plugin-kit.ts";
import { pct, round, usd } from "../format.ts";
import { type ManipulationConfig, manipulationConfig } from "./config.ts";

interface Sample {
  time: number;
  markPx: number;
  oiUsd: number;
}

/** One step up, capped at critical. */
function raiseOne(s: Severity): Severity {
  return SEVERITIES[Math.min(SEVERITIES.length - 1, severityRank(s) + 1)] as Severity;
}

/** `s`, lowered to what `usd` at stake allows: critical from `critical`, high from `high`, else medium. */
function capByMoney(s: Severity, usd: number, high: number, critical: number): Severity {
  const allowed: Severity = usd >= critical ? "critical" : usd >= high ? "high" : "medium";
  return severityRank(s) <= severityRank(allowed) ? s : allowed;
}

/** Funding paid across the open interest, USD an hour. */
function fundingUsdPerHour(ctx: AssetCtx): number {
  return Math.abs(ctx.funding) * ctx.openInterest * ctx.markPx;
}

/** Funding at least at the medium rate on a market paying at least the minimum per hour. */
function fundingSpiking(ctx: AssetCtx, c: ManipulationConfig): boolean {
  return (
    Math.abs(ctx.funding) >= c.fundingMediumPerHour &&
    fundingUsdPerHour(ctx) >= c.fundingMinUsdPerHour
  );
}

/** Open interest at its cap, funding spikes, sudden OI jumps and sharp moves on thin books. */
export const manipulationDetector = defineDetector({
  kind: "manipulation",
  description:
    "Open interest at cap, funding spikes, OI jumps and sharp price moves, weighted up on thin books (JELLY, XPL, POPCAT patterns)",
  config: manipulationConfig,
  create(config) {
    const history = new Map<string, Sample[]>();
    const atCap = new Set<string>();
    const latest = new Map<string, AssetCtx>();
    /** Coins with an open funding spike, and since when funding has been back to normal. */
    const fundingOpen = new Map<string, number | null>();
    return {
      accepts: ["market", "oiCap"],
      observe(obs, out) {
        if (obs.type === "oiCap") {
          oiCapRule(obs.coins, obs.time, atCap, latest, config, out);
          return;
        }
        if (obs.type !== "market") return;
        for (const ctx of obs.assets) {
          latest.set(ctx.coin, ctx);
          if (ctx.isDelisted || ctx.openInterest * ctx.markPx < config.minOpenInterestUsd) continue;
          const samples = history.get(ctx.coin) ?? [];
          samples.push({
            time: obs.time,
            markPx: ctx.markPx,
            oiUsd: ctx.openInterest * ctx.markPx,
          });
          while (samples.length > 0 && (samples[0] as Sample).time < obs.time - config.windowMs)
            samples.shift();
          history.set(ctx.coin, samples);
          fundingRule(ctx, obs.time, config, fundingOpen, out);
          moveRules(ctx, samples, obs.time, config, out);
        }
      },
    };
  },
});

function thinBook(
  ctx: AssetCtx,
  c: ManipulationConfig,
): { thin: boolean; spreadPct: number | null } {
  if (ctx.impactBidPx === null || ctx.impactAskPx === null || ctx.impactBidPx <= 0)
    return { thin: false, spreadPct: null };
  const spreadPct = (ctx.impactAskPx / ctx.impactBidPx - 1) * 100;
  return { thin: spreadPct >= c.thinBookSpreadPct, spreadPct: round(spreadPct, 4) };
}

function oiCapRule(
  coins: readonly string[],
  time: number,
  atCap: Set<string>,
  latest: Map<string, AssetCtx>,
  c: ManipulationConfig,
  out: DetectorOutput,
): void {
  const now = new Set(coins);
  for (const coin of now) {
    const ctx = latest.get(coin);
    const funding = ctx?.funding ?? 0;
    const severity: Severity = ctx && fundingSpiking(ctx, c) ? "high" : "medium";
    out.raise({
      kind: "oi-cap",
      subject: { type: "asset", id: coin },
      severity,
      title: `${coin} open interest is at its cap${severity === "high" ? ` with funding at ${pct(funding * 100)}/h` : ""}`,
      evidence: {
        openInterest: ctx?.openInterest ?? null,
        openInterestUsd: ctx ? round(ctx.openInterest * ctx.markPx) : null,
        fundingPerHour: funding,
        markPx: ctx?.markPx ?? null,
      },
      dataTime: time,
      holdMs: 10 * 60_000,
    });
  }
  for (const coin of atCap) {
    if (!now.has(coin))
      out.resolve(
        { kind: "oi-cap", subject: { type: "asset", id: coin } },
        time,
        "no longer at the cap",
      );
  }
  atCap.clear();
  for (const coin of now) atCap.add(coin);
}

function fundingRule(
  ctx: AssetCtx,
  time: number,
  c: ManipulationConfig,
  open: Map<string, number | null>,
  out: DetectorOutput,
): void {
  const f = Math.abs(ctx.funding);
  const paid = fundingUsdPerHour(ctx);
  const subject = { type: "asset" as const, id: ctx.coin };
  const byRate: Severity =
    f >= c.fundingCriticalPerHour ? "critical" : f >= c.fundingHighPerHour ? "high" : "medium";
  const severity: Severity | null = fundingSpiking(ctx, c)
    ? capByMoney(byRate, paid, c.fundingHighUsdPerHour, c.fundingCriticalUsdPerHour)
    : null;
  if (!severity) {
    if (!open.has(ctx.coin)) return;
    const since = open.get(ctx.coin) ?? time;
    open.set(ctx.coin, since);
    if (time - since >= c.clearMs) {
      open.delete(ctx.coin);
      out.resolve({ kind: "funding-spike", subject }, time, "funding back to normal");
    }
    return;
  }
  open.set(ctx.coin, null);
  out.raise({
    kind: "funding-spike",
    subject,
    severity,
    title: `${ctx.coin} funding at ${pct(ctx.funding * 100)}/h (${ctx.funding > 0 ? "longs" : "shorts"} pay)`,
    evidence: {
      fundingPerHour: ctx.funding,
      fundingUsdPerHour: round(paid),
      openInterestUsd: round(ctx.openInterest * ctx.markPx),
      premium: ctx.premium,
      markPx: ctx.markPx,
      oraclePx: ctx.oraclePx,
    },
    dataTime: time,
    holdMs: 30 * 60_000,
  });
}

function moveRules(
  ctx: AssetCtx,
  samples: readonly Sample[],
  time: number,
  c: ManipulationConfig,
  out: DetectorOutput,
): void {
  const subject = { type: "asset" as const, id: ctx.coin };
  const book = thinBook(ctx, c);
  let minOi = Number.POSITIVE_INFINITY;
  let minPx = Number.POSITIVE_INFINITY;
  let maxPx = 0;
  for (const s of samples) {
    minOi = Math.min(minOi, s.oiUsd);
    minPx = Math.min(minPx, s.markPx);
    maxPx = Math.max(maxPx, s.markPx);
  }
  const oiUsd = ctx.openInterest * ctx.markPx;
  const jumpPct = minOi > 0 ? (oiUsd / minOi - 1) * 100 : 0;
  const added = oiUsd - minOi;
  let jump: Severity | null = null;
  if (added >= c.oiJumpMinUsd) {
    if (jumpPct >= c.oiJumpHighPct) jump = "high";
    else if (jumpPct >= c.oiJumpMediumPct) jump = book.thin ? "high" : "medium";
  }
  if (jump) jump = capByMoney(jump, added, c.oiJumpHighUsd, Number.POSITIVE_INFINITY);
  if (jump) {
    out.raise({
      kind: "oi-jump",
      subject,
      severity: jump,
      title: `${ctx.coin} open interest up ${pct(jumpPct)} to ${usd(oiUsd)} within ${c.windowMs / 60_000} min${book.thin ? " on a thin book" : ""}`,
      evidence: {
        jumpPct: round(jumpPct, 2),
        addedUsd: round(added),
        openInterestUsd: round(oiUsd),
        fromUsd: round(minOi),
        impactSpreadPct: book.spreadPct,
      },
      dataTime: time,
      holdMs: 30 * 60_000,
    });
  }
  const up = minPx > 0 ? (ctx.markPx / minPx - 1) * 100 : 0;
  const down = maxPx > 0 ? (1 - ctx.markPx / maxPx) * 100 : 0;
  const movePct = Math.max(up, down);
  // The mark-to-market value that changed hands across the open interest.
  const movedUsd = (oiUsd * movePct) / 100;
  let move: Severity | null =
    movePct >= c.priceMoveCriticalPct
      ? "critical"
      : movePct >= c.priceMoveHighPct
        ? "high"
        : movePct >= c.priceMoveMediumPct
          ? "medium"
          : null;
  if (move && book.thin) move = raiseOne(move);
  if (move && movedUsd < c.priceMoveMinUsd) move = null;
  if (move) move = capByMoney(move, movedUsd, c.priceMoveHighUsd, c.priceMoveCriticalUsd);
  if (move) {
    out.raise({
      kind: "price-move",
      subject,
      severity: move,
      title: `${ctx.coin} mark ${up >= down ? "up" : "down"} ${pct(movePct)} within ${c.windowMs / 60_000} min${book.thin ? " on a thin book" : ""}`,
      evidence: {
        movePct: round(movePct, 3),
        valueMovedUsd: round(movedUsd),
        openInterestUsd: round(oiUsd),
        markPx: ctx.markPx,
        windowLowPx: minPx,
        windowHighPx: maxPx,
        impactSpreadPct: book.spreadPct,
      },
      dataTime: time,
      holdMs: 30 * 60_000,
    });
  }
}
