import type { HistoryRecord } from "../../store/index.ts";

/** Builders of stored-history rows for unit tests (numbers chosen by each test). */
export const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
export const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

export function parentState(time: number, accountValue: number): HistoryRecord {
  return {
    type: "vaultState",
    row: {
      vault: HLP,
      name: "HLP",
      role: "parent",
      time,
      accountValue,
      totalNtlPos: 0,
      unrealizedPnl: 0,
      positions: [],
    },
  };
}

export function liquidatorState(
  time: number,
  accountValue: number,
  unrealizedPnl: number,
  totalNtlPos: number,
): HistoryRecord {
  return {
    type: "vaultState",
    row: {
      vault: LIQUIDATOR,
      name: "Liquidator",
      role: "liquidator",
      time,
      accountValue,
      totalNtlPos,
      unrealizedPnl,
      positions: [],
    },
  };
}

export function market(
  time: number,
  coin: string,
  p: {
    mark: number;
    oracle?: number;
    binance?: number | null;
    oi?: number;
    volume?: number;
    funding?: number;
  },
): HistoryRecord {
  return {
    type: "market",
    row: {
      coin,
      time,
      markPx: p.mark,
      oraclePx: p.oracle ?? p.mark,
      midPx: p.mark,
      binancePx: p.binance ?? null,
      coinbasePx: null,
      funding: p.funding ?? 0.0000125,
      openInterest: p.oi ?? 1000,
      dayNtlVlm: p.volume ?? 1e9,
    },
  };
}

export function liquidation(
  time: number,
  notionalUsd: number,
  method: "market" | "backstop" | "adl" = "market",
): HistoryRecord {
  return {
    type: "liquidation",
    row: {
      id: `ETH:${time}`,
      time,
      coin: "ETH",
      method,
      liquidatedSide: "long",
      px: 2000,
      sz: notionalUsd / 2000,
      notionalUsd,
      liquidatedUser: null,
      counterparty: null,
    },
  };
}

export function pnl(time: number, cumulativePnl: number, accountValue: number): HistoryRecord {
  return { type: "vaultPnl", row: { vault: HLP, time, accountValue, cumulativePnl } };
}
