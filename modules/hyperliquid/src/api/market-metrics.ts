import type { ApiModuleContext } from "@kamiyo/api";
import type { Monitor } from "@kamiyo/monitor";
import type { HistoryRecord } from "../store/index.ts";
import { sampleDeviation } from "./oracle.ts";
import { settings } from "./settings.ts";

/** A watched vault's latest state, as its last stored row gave it. */
interface VaultFigures {
  name: string;
  role: string;
  accountValue: number;
  unrealizedPnl: number;
  totalNtlPos: number;
}

/**
 * The monitor's live figures for `/metrics`, from the rows its history queues (the same rows the
 * dashboard's charts read back from the database): each watched vault's account value, unrealized
 * PnL and open notional, each vault's all-time PnL, each perp's largest price deviation (as the
 * oracle detector computes it), and the liquidations classified, by coin and method. Series
 * appear once the monitor in this process has stored a row of their kind.
 */
export function registerMarketMetrics(ctx: ApiModuleContext): void {
  const vaults = new Map<string, VaultFigures>();
  const pnl = new Map<string, number>();
  const deviations = new Map<string, { pct: number; pair: string }>();
  const liquidations = ctx.counter({
    name: "kamiyo_hyperliquid_liquidations_total",
    help: "Liquidations classified by the monitor, by coin and method (market, backstop, adl)",
    labelNames: ["coin", "method"],
  });
  const liquidated = ctx.counter({
    name: "kamiyo_hyperliquid_liquidated_notional_usd_total",
    help: "Notional of the liquidations classified by the monitor, USD, by coin and method",
    labelNames: ["coin", "method"],
  });
  const vaultGauge = (name: string, help: string, value: (v: VaultFigures) => number) =>
    ctx.gauge({
      name,
      help,
      labelNames: ["vault", "name", "role"],
      read: () =>
        [...vaults].map(([vault, v]) => [{ vault, name: v.name, role: v.role }, value(v)] as const),
    });
  vaultGauge(
    "kamiyo_hyperliquid_vault_account_value_usd",
    "A watched vault's account value (HLP and its sub-vaults), USD, from its latest state",
    (v) => v.accountValue,
  );
  vaultGauge(
    "kamiyo_hyperliquid_vault_unrealized_pnl_usd",
    "A watched vault's unrealized PnL, USD, from its latest state",
    (v) => v.unrealizedPnl,
  );
  vaultGauge(
    "kamiyo_hyperliquid_vault_position_notional_usd",
    "A watched vault's total open notional, USD, from its latest state",
    (v) => v.totalNtlPos,
  );
  ctx.gauge({
    name: "kamiyo_hyperliquid_vault_pnl_usd",
    help: "A watched vault's all-time PnL, USD, from its latest portfolio reading",
    labelNames: ["vault"],
    read: () => [...pnl].map(([vault, usd]) => [{ vault }, usd] as const),
  });
  ctx.gauge({
    name: "kamiyo_hyperliquid_price_deviation_pct",
    help: "A perp's largest deviation among mark, oracle, Binance and Coinbase at its latest sample, percent, with the pair",
    labelNames: ["coin", "pair"],
    read: () => [...deviations].map(([coin, d]) => [{ coin, pair: d.pair }, d.pct] as const),
  });
  const monitor: Monitor | null = ctx.deps.monitor;
  if (!monitor) return;
  // A monitor composed without the oracle detector (tests, other apps) has no hyperps listed.
  const hyperps = settings(ctx.deps).detectors.oracle?.config.hyperps ?? [];
  monitor.onRecord((r) => {
    const record = r as HistoryRecord;
    switch (record.type) {
      case "vaultState": {
        const { vault, name, role, accountValue, unrealizedPnl, totalNtlPos } = record.row;
        vaults.set(vault, { name, role, accountValue, unrealizedPnl, totalNtlPos });
        return;
      }
      case "vaultPnl":
        pnl.set(record.row.vault, record.row.cumulativePnl);
        return;
      case "market": {
        const d = sampleDeviation(record.row, hyperps);
        if (d.deviationPct === null || d.pair === null) deviations.delete(record.row.coin);
        else deviations.set(record.row.coin, { pct: d.deviationPct, pair: d.pair });
        return;
      }
      case "liquidation": {
        const { coin, method, notionalUsd } = record.row;
        liquidations.inc({ coin, method });
        liquidated.inc({ coin, method }, notionalUsd);
        return;
      }
    }
  });
}
