import {
  type DetectorOutput,
  defineDetector,
  medianMad,
  type ObservationOf,
  type SeriesPoint,
  type Severity,
  severityRank,
  type VaultMember,
} from "@kamiyo/core";
import { amount, pct, round, usd } from "../format.ts";
import { type HlpConfig, hlpConfig } from "./config.ts";
import { changeOver, drawdown, sharpe, valueAt } from "./metrics.ts";

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
          zScore(config, obs, pnlPoints, lastScored, out);
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
  obs: ObservationOf<"vaultPortfolio">,
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
  obs: ObservationOf<"vaultPortfolio">,
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

/** Keeps the union of PnL points seen for each vault, so history outlives the API's 24 h window. */
function mergePoints(
  store: Map<string, Map<number, number>>,
  vault: string,
  points: readonly SeriesPoint[],
): SeriesPoint[] {
  let m = store.get(vault);
  if (!m) {
    m = new Map();
    store.set(vault, m);
  }
  for (const [t, v] of points) m.set(t, v);
  const sorted = [...m.entries()].sort((a, b) => a[0] - b[0]);
  const kept = sorted.slice(-1000);
  if (kept.length < sorted.length) store.set(vault, new Map(kept));
  return kept;
}

/**
 * z-score of each new PnL move against the previous ones, per hour between consecutive points so
 * that irregular spacing (the latest point is rarely on the grid) is not a move. The baseline is
 * the median and MAD of the previous moves: one earlier spike does not inflate it, and after a
 * flat stretch a cent is many σ, which is why a move must first be material (at least zMinUsd and
 * zMinPctOfAccount of the account value) to raise anything. Severity then needs both σ and money.
 */
function zScore(
  c: HlpConfig,
  obs: ObservationOf<"vaultPortfolio">,
  store: Map<string, Map<number, number>>,
  lastScored: Map<string, number>,
  out: DetectorOutput,
): void {
  const points = mergePoints(store, obs.vault.address, obs.day.pnl);
  const moves: { t: number; d: number; perHour: number }[] = [];
  for (let i = 1; i < points.length; i++) {
    const [t, v] = points[i] as SeriesPoint;
    const [t0, v0] = points[i - 1] as SeriesPoint;
    if (t - t0 < 60_000) continue;
    moves.push({ t, d: v - v0, perHour: ((v - v0) / (t - t0)) * HOUR });
  }
  const done = lastScored.get(obs.vault.address) ?? Number.NEGATIVE_INFINITY;
  const subject = vaultSubject(obs.vault);
  const latestAv = obs.day.accountValue.at(-1)?.[1] ?? 0;
  for (let i = 0; i < moves.length; i++) {
    const cur = moves[i] as { t: number; d: number; perHour: number };
    if (cur.t <= done) continue;
    lastScored.set(obs.vault.address, cur.t);
    const history = moves.slice(Math.max(0, i - c.zWindow), i).map((x) => x.perHour);
    if (history.length < c.zMinSamples) continue;
    const av = valueAt(obs.day.accountValue, cur.t) ?? latestAv;
    const floorUsd = Math.max(c.zMinUsd, (Math.abs(av) * c.zMinPctOfAccount) / 100);
    if (Math.abs(cur.d) < floorUsd) continue;
    const base = medianMad(history);
    // Under a dollar an hour the spread of a history says nothing: a flat one still gets a scale.
    const scale = Math.max(base.scale, 1);
    const z = (cur.perHour - base.median) / scale;
    const severity = zSeverity(c, z, cur.d);
    if (!severity) continue;
    const share = av > 0 ? (Math.abs(cur.d) / av) * 100 : null;
    out.raise({
      kind: "pnl-zscore",
      subject,
      severity,
      title: `${obs.vault.name} PnL ${z < 0 ? "dropped" : "jumped"} ${usd(Math.abs(cur.d))} in one interval (${share === null ? "" : `${pct(share)} of account value, `}${Math.abs(z).toFixed(1)}σ)`,
      evidence: {
        zScore: round(z, 3),
        moveUsd: round(cur.d),
        perHourUsd: round(cur.perHour),
        medianPerHourUsd: round(base.median),
        scalePerHourUsd: round(scale),
        samples: history.length,
        accountValueUsd: round(av),
        movePctOfAccount: share === null ? null : round(share, 4),
        materialFromUsd: round(floorUsd),
      },
      dataTime: cur.t,
      holdMs: 2 * HOUR,
    });
  }
}

/**
 * Severity of a material move: medium past zMedium σ; high past zHigh σ for a move of at least
 * zHighUsd; critical past zHigh σ only for a loss the 1 h loss rule already calls critical.
 */
function zSeverity(c: HlpConfig, z: number, move: number): Severity | null {
  const a = Math.abs(z);
  if (a <= c.zMedium) return null;
  if (a <= c.zHigh) return "medium";
  if (-move > c.loss1hCriticalUsd) return "critical";
  return Math.abs(move) >= c.zHighUsd ? "high" : "medium";
}

/**
 * A liquidator vault's large position opens an episode once its unrealised PnL turns negative;
 * the episode lasts while the vault holds the position (whatever its PnL does) and its severity
 * is the worst reached. It resolves when the position is closed or falls under the minimum.
 */
function inherited(
  c: HlpConfig,
  obs: ObservationOf<"vaultState">,
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
