import type { Queryable } from "@kamiyo/db";
import type { HistoryBatch, HistoryPlugin, HistorySettings, HistoryStore } from "@kamiyo/monitor";
import type { HlObservation } from "../observations.ts";
import type { HistoryRecord } from "./history-queries.ts";
import {
  insertLiquidations,
  insertMarketSamples,
  insertVaultPnl,
  insertVaultStates,
  pruneHistory,
} from "./timeseries-repo.ts";
import { type StoredPortfolio, upsertVaultPortfolios } from "./vault-queries.ts";

/** Rows waiting for the next flush, bounded so an unreachable database costs bounded memory. */
const MAX_PENDING_ROWS = 100_000;

interface Queued {
  /** Latest portfolio per vault (upserted). */
  portfolios: Map<string, StoredPortfolio>;
  /** Time-series rows in the order they were queued. */
  records: HistoryRecord[];
}

const empty = (): Queued => ({ portfolios: new Map(), records: [] });

/**
 * The Hyperliquid monitor's history: each vault's latest portfolio, and compact time series (one
 * vault state and one market sample per subject per `sampleEveryMs`, every portfolio reading's
 * PnL point, every liquidation the liquidations detector classified), written with the findings.
 */
export const hyperliquidHistory: HistoryPlugin = {
  description:
    "HLP family portfolios, vault states and PnL, market samples with venue prices, classified liquidations",
  create: (settings) => new HyperliquidHistory(settings),
};

class HyperliquidHistory implements HistoryStore {
  readonly #sampleEveryMs: number;
  readonly #lastSample = new Map<string, number>();
  readonly #external = new Map<string, { binance: number | null; coinbase: number | null }>();
  #queued = empty();
  #dropped = 0;

  constructor(settings: HistorySettings) {
    this.#sampleEveryMs = settings.sampleEveryMs;
  }

  get pending(): number {
    return this.#queued.portfolios.size + this.#queued.records.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  observe(obs: HlObservation, record: (row: unknown) => void): void {
    const keep = (r: HistoryRecord) => {
      if (this.#queued.records.length >= MAX_PENDING_ROWS) {
        this.#dropped++;
        return;
      }
      this.#queued.records.push(r);
      record(r);
    };
    switch (obs.type) {
      case "liquidation":
        // Classified by the liquidations detector (DetectorOutput.keep): one classifier, so the
        // stored rows always agree with the findings.
        keep({ type: "liquidation", row: obs.event });
        return;
      case "vaultState": {
        if (!this.#due(`v:${obs.vault.address}`, obs.time)) return;
        let upnl = 0;
        for (const p of obs.positions) upnl += p.unrealizedPnl;
        keep({
          type: "vaultState",
          row: {
            vault: obs.vault.address,
            name: obs.vault.name,
            role: obs.vault.role,
            time: obs.time,
            accountValue: obs.accountValue,
            totalNtlPos: obs.totalNtlPos,
            unrealizedPnl: upnl,
            positions: obs.positions,
          },
        });
        return;
      }
      case "vaultPortfolio": {
        const { vault } = obs;
        this.#queued.portfolios.set(vault.address, {
          vault: vault.address,
          name: vault.name,
          role: vault.role,
          time: obs.time,
          periods: { day: obs.day, week: obs.week, month: obs.month, allTime: obs.allTime },
        });
        const pnl = obs.allTime.pnl.at(-1);
        const av = obs.allTime.accountValue.at(-1) ?? obs.day.accountValue.at(-1);
        if (pnl && av)
          keep({
            type: "vaultPnl",
            row: {
              vault: vault.address,
              time: pnl[0],
              accountValue: av[1],
              cumulativePnl: pnl[1],
            },
          });
        return;
      }
      case "externalPrices":
        for (const [coin, px] of obs.prices) {
          const e = this.#external.get(coin) ?? { binance: null, coinbase: null };
          e[obs.venue] = px;
          this.#external.set(coin, e);
        }
        return;
      case "market":
        for (const a of obs.assets) {
          if (a.isDelisted || !this.#due(`m:${a.coin}`, obs.time)) continue;
          const ext = this.#external.get(a.coin);
          keep({
            type: "market",
            row: {
              coin: a.coin,
              time: obs.time,
              markPx: a.markPx,
              oraclePx: a.oraclePx,
              midPx: a.midPx,
              binancePx: ext?.binance ?? null,
              coinbasePx: ext?.coinbase ?? null,
              funding: a.funding,
              openInterest: a.openInterest,
              dayNtlVlm: a.dayNtlVlm,
            },
          });
        }
        return;
      default:
        return;
    }
  }

  take(): HistoryBatch {
    const batch = this.#queued;
    this.#queued = empty();
    const of = <T extends HistoryRecord["type"]>(type: T) =>
      batch.records
        .filter((r): r is Extract<HistoryRecord, { type: T }> => r.type === type)
        .map((r) => r.row as Extract<HistoryRecord, { type: T }>["row"]);
    return {
      rows: batch.portfolios.size + batch.records.length,
      write: async (tx: Queryable, tenantId: string) => {
        await upsertVaultPortfolios(tx, tenantId, [...batch.portfolios.values()]);
        await insertVaultStates(tx, tenantId, of("vaultState"));
        await insertVaultPnl(tx, tenantId, of("vaultPnl"));
        await insertMarketSamples(tx, tenantId, of("market"));
        await insertLiquidations(tx, tenantId, of("liquidation"));
      },
      restore: () => {
        // Newer portfolios win; the failed rows go first, within the bound.
        const since = this.#queued;
        this.#queued = {
          portfolios: new Map([...batch.portfolios, ...since.portfolios]),
          records: batch.records.concat(since.records).slice(-MAX_PENDING_ROWS),
        };
      },
    };
  }

  prune(q: Queryable, tenantId: string, before: number): Promise<Record<string, number>> {
    return pruneHistory(q, tenantId, before);
  }

  #due(key: string, time: number): boolean {
    const last = this.#lastSample.get(key);
    if (last !== undefined && time - last < this.#sampleEveryMs) return false;
    this.#lastSample.set(key, time);
    return true;
  }
}
