import type { Finding } from "@kamiyo/core";
import type { SourceRecord } from "../types.ts";

/**
 * The loss a monitor finding carries, USD, or null: an HLP vault's worst PnL over its windows, or
 * the worst unrealised loss of a position a liquidator vault inherited.
 */
export function lossOf(f: Finding): number | null {
  const ev = f.evidence;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  if (f.detector === "hlp" && f.kind === "pnl-loss") {
    const worst = Math.min(
      ...["pnl1hUsd", "pnl24hUsd", "pnl7dUsd", "pnl30dUsd"].map((k) => num(ev[k]) ?? 0),
    );
    return worst < 0 ? -worst : null;
  }
  if (f.detector === "hlp" && f.kind === "inherited-position") {
    const worst = num(ev.worstUnrealizedPnlUsd) ?? num(ev.unrealizedPnlUsd);
    return worst !== null && worst < 0 ? -worst : null;
  }
  return null;
}

/**
 * Kamiyo's own findings that carry a loss, as reports of the "kamiyo" source: one per finding
 * (its id is the key), dated and timed by the episode's first datum, on Hyperliquid.
 */
export function findingsToRecords(findings: readonly Finding[]): SourceRecord[] {
  const out: SourceRecord[] = [];
  for (const f of findings) {
    const loss = lossOf(f);
    if (loss === null) continue;
    out.push({
      source: "kamiyo",
      sourceKey: f.id,
      protocol: "Hyperliquid HLP",
      date: new Date(f.firstDataAt).toISOString().slice(0, 10),
      occurredAt: new Date(f.firstDataAt).toISOString(),
      chains: ["Hyperliquid"],
      classification: f.kind === "pnl-loss" ? "Vault loss" : "Inherited position loss",
      technique: f.title,
      lossUsd: Math.round(loss * 100) / 100,
      original: null,
      returnedUsd: null,
      txHashes: [],
      url: f.subject.type === "vault" ? `https://app.hyperliquid.xyz/vaults/${f.subject.id}` : null,
    });
  }
  return out;
}
