import { useMemo, useState } from "react";
import { useApi } from "../../app/api.ts";
import { TimeChart } from "../../app/charts/TimeChart.tsx";
import { FindingLinks } from "../../app/FindingLinks.tsx";
import { num, usd, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { LiquidationMethod, LiquidationPatterns } from "./types.ts";

const WINDOWS = ["5m", "1h", "24h"] as const;
const METHODS: LiquidationMethod[] = ["backstop", "market", "adl"];
const METHOD_LABEL: Record<LiquidationMethod, string> = {
  backstop: "Backstop (HLP liquidator)",
  market: "Market",
  adl: "Auto-deleveraging",
};

/** Liquidated notional per minute and method, from the latest liquidations (oldest first). */
export function perMinute(
  recent: LiquidationPatterns["recent"],
  coin: string,
): { times: number[]; byMethod: Record<LiquidationMethod, number[]> } {
  const buckets = new Map<number, Record<LiquidationMethod, number>>();
  for (const l of recent) {
    if (coin && l.coin !== coin) continue;
    const minute = Math.floor(Date.parse(l.at) / 60_000) * 60_000;
    const b = buckets.get(minute) ?? { backstop: 0, market: 0, adl: 0 };
    b[l.method] += l.notionalUsd;
    buckets.set(minute, b);
  }
  const times = [...buckets.keys()].sort((a, b) => a - b);
  const byMethod = { backstop: [], market: [], adl: [] } as Record<LiquidationMethod, number[]>;
  for (const t of times) for (const m of METHODS) byMethod[m].push(buckets.get(t)?.[m] ?? 0);
  return { times, byMethod };
}

/**
 * Liquidations by coin and method over a window, the timeline of the latest ones by method, the
 * liquidation findings (cascades, auto-deleveraging) and the latest liquidations themselves.
 */
export default function LiquidationsPage() {
  const [window, setWindow] = useState<(typeof WINDOWS)[number]>("1h");
  const [coin, setCoin] = useState("");
  const { data, error } = useApi<LiquidationPatterns>(
    `/security/liquidation-patterns?window=${window}&limit=500`,
    { everyMs: 5_000 },
  );
  const coins = useMemo(() => [...new Set((data?.totals ?? []).map((t) => t.coin))].sort(), [data]);
  const timeline = useMemo(() => {
    const { times, byMethod } = perMinute(data?.recent ?? [], coin);
    return {
      times,
      series: METHODS.map((m) => ({ label: METHOD_LABEL[m], values: byMethod[m], bars: true })),
    };
  }, [data, coin]);

  return (
    <section aria-labelledby="liq-title">
      <h1 id="liq-title">Liquidations</h1>
      {error && !data ? <p role="alert">Could not load the liquidations: {error}</p> : null}
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Window{" "}
          <select
            value={window}
            onChange={(e) => setWindow(e.target.value as (typeof WINDOWS)[number])}
          >
            {WINDOWS.map((w) => (
              <option key={w}>{w}</option>
            ))}
          </select>
        </label>
        <label>
          Coin{" "}
          <select value={coin} onChange={(e) => setCoin(e.target.value)}>
            <option value="">All</option>
            {coins.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
      </form>
      <p className="status">{data ? `Since ${utc(data.since)}` : "Loading…"}</p>
      <h2>By coin and method</h2>
      <TableScroll label="Liquidations by coin and method">
        <table>
          <thead>
            <tr>
              <th scope="col">Coin</th>
              <th scope="col">Method</th>
              <th scope="col">Liquidations</th>
              <th scope="col">Notional</th>
              <th scope="col">Longs</th>
              <th scope="col">Shorts</th>
              <th scope="col">Last</th>
            </tr>
          </thead>
          <tbody>
            {(data?.totals ?? [])
              .filter((t) => !coin || t.coin === coin)
              .map((t) => (
                <tr key={`${t.coin}-${t.method}`}>
                  <th scope="row">{t.coin}</th>
                  <td>{METHOD_LABEL[t.method]}</td>
                  <td>{num(t.count, 0)}</td>
                  <td>{usd(t.notionalUsd)}</td>
                  <td>{num(t.longs, 0)}</td>
                  <td>{num(t.shorts, 0)}</td>
                  <td>{utc(t.lastAt)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </TableScroll>
      <TimeChart
        title={`Liquidated notional per minute by method${coin ? `, ${coin}` : ""} (latest ${data?.recent.length ?? 0} liquidations)`}
        times={timeline.times}
        series={timeline.series}
        stacked
        format={usd}
      />
      <h2>Liquidation findings</h2>
      <FindingLinks findings={data?.patterns ?? []} empty="No cascade or auto-deleveraging." />
      <h2>Latest liquidations</h2>
      <TableScroll label="Latest liquidations" className="recent-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">At</th>
              <th scope="col">Coin</th>
              <th scope="col">Method</th>
              <th scope="col">Side liquidated</th>
              <th scope="col">Price</th>
              <th scope="col">Notional</th>
            </tr>
          </thead>
          <tbody>
            {(data?.recent ?? [])
              .filter((l) => !coin || l.coin === coin)
              .slice(0, 100)
              .map((l) => (
                <tr key={l.id}>
                  <td>{utc(l.at)}</td>
                  <th scope="row">{l.coin}</th>
                  <td>{l.method}</td>
                  <td>{l.liquidatedSide}</td>
                  <td>{num(l.px, 4)}</td>
                  <td>{usd(l.notionalUsd)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
