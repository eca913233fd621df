import { useMemo, useState } from "react";
import { useApi } from "../../app/api.ts";
import { TimeChart } from "../../app/charts/TimeChart.tsx";
import { FindingLinks } from "../../app/FindingLinks.tsx";
import { num, pct, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { DeviationHistory, Deviations } from "./types.ts";

const signedPct = (n: number) => `${n > 0 ? "+" : ""}${n.toFixed(2)} %`;

/**
 * Oracle deviations across perps: every perp's latest mark, oracle and exchange prices with the
 * largest deviation first, the active deviation findings, and one perp's deviation over time.
 */
export default function OraclePage() {
  const { data, error } = useApi<Deviations>("/security/oracle-deviations?limit=500", {
    everyMs: 5_000,
  });
  const [coin, setCoin] = useState("");
  const current = useMemo(
    () => [...(data?.current ?? [])].sort((a, b) => (b.deviationPct ?? 0) - (a.deviationPct ?? 0)),
    [data],
  );
  const chosen = coin || current[0]?.coin || "";
  const history = useApi<DeviationHistory>(
    chosen ? `/security/oracle-deviations/history?coin=${encodeURIComponent(chosen)}` : null,
    { everyMs: 5_000 },
  );
  const chart = useMemo(() => {
    const samples = history.data?.samples ?? [];
    return {
      times: samples.map((s) => Date.parse(s.at)),
      series: [{ label: "Deviation (signed)", values: samples.map((s) => s.signedDeviationPct) }],
    };
  }, [history.data]);

  return (
    <section aria-labelledby="oracle-title">
      <h1 id="oracle-title">Oracle deviations</h1>
      {error && !data ? <p role="alert">Could not load the deviations: {error}</p> : null}
      <p className="status">{data ? `As of ${utc(data.asOf)}` : "Loading…"}</p>
      <h2>Active deviation findings</h2>
      <FindingLinks findings={data?.active ?? []} empty="No perp deviates beyond its threshold." />
      <h2>Every perp now</h2>
      <TableScroll label="Every perp's latest prices">
        <table>
          <thead>
            <tr>
              <th scope="col">Coin</th>
              <th scope="col">Deviation</th>
              <th scope="col">Between</th>
              <th scope="col">Mark</th>
              <th scope="col">Oracle</th>
              <th scope="col">Binance</th>
              <th scope="col">Coinbase</th>
              <th scope="col">At</th>
            </tr>
          </thead>
          <tbody>
            {current.map((d) => (
              <tr key={d.coin}>
                <th scope="row">{d.coin}</th>
                <td>{d.signedDeviationPct === null ? "–" : signedPct(d.signedDeviationPct)}</td>
                <td>{d.pair ?? "–"}</td>
                <td>{num(d.markPx, 4)}</td>
                <td>{num(d.oraclePx, 4)}</td>
                <td>{num(d.binancePx, 4)}</td>
                <td>{num(d.coinbasePx, 4)}</td>
                <td>{utc(d.at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <h2>Over time</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Perp{" "}
          <select value={chosen} onChange={(e) => setCoin(e.target.value)}>
            {current.map((d) => (
              <option key={d.coin}>{d.coin}</option>
            ))}
          </select>
        </label>
      </form>
      {history.error ? <p role="alert">Could not load the history: {history.error}</p> : null}
      <TimeChart
        title={`${chosen || "–"}: deviation over the last 24 hours`}
        times={chart.times}
        series={chart.series}
        format={signedPct}
      />
      <h2>Deviation findings on {chosen || "–"}</h2>
      <FindingLinks findings={history.data?.findings ?? []} empty="None in this range." />
      <p className="status">Largest deviation now: {pct(current[0]?.deviationPct ?? null)}</p>
    </section>
  );
}
