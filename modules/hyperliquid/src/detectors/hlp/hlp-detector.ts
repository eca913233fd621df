import { type DetectorOutput, type Severity, severityRank } from "@kamiyo/core";
import type { HlObservationOf, VaultMember } from "../../observations.ts";
import { defineDetector } from "../../plugin-kit.ts";
import { amount, pct, round, usd } from "../format.ts";
import { type HlpConfig, hlpConfig } from "./config.ts";
import { changeOver, drawdown, sharpe } from "./metrics.ts";
import { pnlZScore } from "./pnl-zscore.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Loss windows: label, length and the config keys of their thresholds. */
const WINDOWS = [
  {
    label: "1 h",
    field: "pnl1hUsd",
    ms: HOUR,
    high: "loss1hHighUsd",
    critical: "loss1hCriticalUsd",
  },
  {
    label: "24 h",
    field: "pnl24hUsd",
    ms: DAY,
    high: "loss24hHighUsd",
    critical: "loss24hCriticalUsd",
  },
  {
    label: "7 d",
    field: "pnl7dUsd",
    ms: 7 * DAY,
    high: "loss7dHighUsd",
    critical: "loss7dCriticalUsd",
  },
  {
    label: "30 d",
    field: "pnl30dUsd",
    ms: 30 * DAY,
    high: "loss30dHighUsd",
    critical: "loss30dCriticalUsd",
  },
] as const;

/** HLP parent and child vaults: PnL losses, drawdown, z-score anomalies, and positions inherited by liquidators. */
export const hlpDetector = defineDetector({
  kind: "hlp",
  description:
    "HLP vault family: PnL over 1 h/24 h/7 d/30 d (PnL, so flows are not losses), drawdown from peak, z-score of PnL moves, liquidator-inherited positions",
  config: hlpConfig,
  create(config) {
    const pnlPoints = new Map<string, Map<number, number>>();
    const lastScored = new Map<string, number>();
    const inheritedOpen = new Map<string, Map<string, number>>();
    const clear = new Hysteresis(config.clearAfterMs);
    return {
      accepts: ["vaultPortfolio", "vaultState"],
      observe(obs, out) {
        if (obs.type === "vaultPortfolio") {
          losses(config, obs, clear, out);
          drawdownRule(config, obs, clear, out);
          pnlZScore(config, obs, pnlPoints, lastScored, out);
        } else if (obs.type === "vaultState" && obs.vault.role === "liquidator") {
          inherited(config, obs, inheritedOpen, out);
        }
      },
    };
  },
});

/** Resolves a condition only after it has stayed clear for `clearMs` (no flapping on noisy data). */
class Hysteresis {
  readonly #clearMs: number;
  readonly #open = new Set<string>();
  readonly #clearSince = new Map<string, number>();

  constructor(clearMs: number) {
    this.#clearMs = clearMs;
  }

  raised(key: string): void {
    this.#open.add(key);
    this.#clearSince.delete(key);
  }

  /** @returns true when the condition has been clear long enough to resolve. */
  clear(key: string, time: number): boolean {
    if (!this.#open.has(key)) return false;
    const since = this.#clearSince.get(key) ?? time;
    this.#clearSince.set(key, since);
    if (time - since < this.#clearMs) return false;
    this.#open.delete(key);
    this.#clearSince.delete(key);
    return true;
  }
}

function nullableRound(n: number | null, digits: number): number | null {
  return n === null ? null : round(n, digits);
}

function vaultSubject(v: VaultMember) {
  return { type: "vault" as const, id: v.address };
}

function losses(
  c: HlpConfig,
  obs: HlObservationOf<"vaultPortfolio">,
  clear: Hysteresis,
  out: DetectorOutput,
): void {
  const series = {
    "1 h": obs.day.pnl,
    "24 h": obs.day.pnl,
    "7 d": obs.week.pnl,
    "30 d": obs.month.pnl,
  };
  const evidence: Record<string, number | null> = {};
  let worst: { severity: Severity; label: string; loss: number } | null = null;
  for (const w of WINDOWS) {
    const ch = changeOver(series[w.label], w.ms);
    evidence[w.field] = ch ? round(ch.change) : null;
    if (!ch || ch.change >= 0) continue;
    const loss = -ch.change;
    const severity: Severity | null =
      loss > c[w.critical] ? "critical" : loss > c[w.high] ? "high" : null;
    if (!severity) continue;
    const better =
      !worst ||
      severityRank(severity) > severityRank(worst.severity) ||
      (severity === worst.severity && loss > worst.loss);
    if (better) worst = { severity, label: w.label, loss };
  }
  const subject = vaultSubject(obs.vault);
  const last = obs.day.pnl.at(-1);
  const dataTime = last?.[0] ?? obs.time;
  const key = `pnl-loss|${obs.vault.address}`;
  if (!worst) {
    if (clear.clear(key, dataTime))
      out.resolve({ kind: "pnl-loss", subject }, dataTime, "no window over its loss threshold");
    return;
  }
  clear.raised(key);
  out.raise({
    kind: "pnl-loss",
    subject,
    severity: worst.severity,
    title: `${obs.vault.name} lost ${usd(worst.loss)} in ${worst.label}`,
    evidence: {
      ...evidence,
      vault: obs.vault.name,
      role: obs.vault.role,
      accountValueUsd: round(obs.day.accountValue.at(-1)?.[1] ?? 0),
      sharpe30d: nullableRound(sharpe(obs.month.pnl, obs.month.accountValue), 3),
    },
    dataTime,
    holdMs: 2 * HOUR,
  });
}

function drawdownRule(
  c: HlpConfig,
  obs: HlObservationOf<"vaultPortfolio">,
  clear: Hysteresis,
  out: DetectorOutput,
): void {
  const dd = drawdown(obs.month.pnl, obs.month.accountValue);
  const subject = vaultSubject(obs.vault);
  const dataTime = obs.month.pnl.at(-1)?.[0] ?? obs.time;
  const severity: Severity | null =
    dd.currentPct > c.drawdownCriticalPct
      ? "critical"
      : dd.currentPct > c.drawdownHighPct
        ? "high"
        : null;
  const key = `drawdown|${obs.vault.address}`;
  if (!severity) {
    if (clear.clear(key, dataTime))
      out.resolve({ kind: "drawdown", subject }, dataTime, "drawdown back under its threshold");
    return;
  }
  clear.raised(key);
  out.raise({
    kind: "drawdown",
    subject,
    severity,
    title: `${obs.vault.name} is ${pct(dd.currentPct)} below its 30-day PnL peak`,
    evidence: {
      drawdownPct: round(dd.currentPct, 3),
      maxDrawdownPct: round(dd.maxPct, 3),
      peakAt: dd.peakAt,
      vault: obs.vault.name,
    },
    dataTime,
    holdMs: 2 * HOUR,
  });
}

/**
 * A liquidator vault's large position opens an episode once its unrealised PnL turns negative;
 * the episode lasts while the vault holds the position (whatever its PnL does) and its severity
 * is the worst reached. It resolves when the position is closed or falls under the minimum.
 */
function inherited(
  c: HlpConfig,
  obs: HlObservationOf<"vaultState">,
  open: Map<string, Map<string, number>>,
  out: DetectorOutput,
): void {
  const subject = vaultSubject(obs.vault);
  const episodes = open.get(obs.vault.address) ?? new Map<string, number>();
  open.set(obs.vault.address, episodes);
  const held = new Set<string>();
  for (const p of obs.positions) {
    if (p.positionValue < c.inheritedMinUsd) continue;
    const worst = episodes.get(p.coin);
    if (worst === undefined && p.unrealizedPnl >= 0) continue;
    held.add(p.coin);
    const worstPnl = Math.min(worst ?? 0, p.unrealizedPnl);
    episodes.set(p.coin, worstPnl);
    const loss = Math.max(0, -p.unrealizedPnl);
    const severity: Severity =
      loss >= c.inheritedCriticalLossUsd
        ? "critical"
        : loss >= c.inheritedHighLossUsd || p.positionValue >= c.inheritedLargeUsd
          ? "high"
          : "medium";
    const side = p.szi > 0 ? "long" : "short";
    out.raise({
      kind: "inherited-position",
      subject,
      key: p.coin,
      severity,
      title: `${obs.vault.name} holds ${amount(Math.abs(p.szi))} ${p.coin} ${side} (${usd(p.positionValue)}) at ${usd(p.unrealizedPnl)} unrealised`,
      evidence: {
        coin: p.coin,
        side,
        size: Math.abs(p.szi),
        entryPx: p.entryPx,
        markPx: Number((p.positionValue / Math.abs(p.szi)).toPrecision(8)),
        positionValueUsd: round(p.positionValue),
        unrealizedPnlUsd: round(p.unrealizedPnl),
        worstUnrealizedPnlUsd: round(worstPnl),
        liquidationPx: p.liquidationPx,
        vault: obs.vault.name,
        vaultAccountValueUsd: round(obs.accountValue),
      },
      dataTime: obs.time,
      holdMs: HOUR,
    });
  }
  for (const coin of [...episodes.keys()]) {
    if (held.has(coin)) continue;
    episodes.delete(coin);
    out.resolve(
      { kind: "inherited-position", subject, key: coin },
      obs.time,
      "position closed or reduced under the minimum",
    );
  }
}
