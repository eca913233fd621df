import { useMemo, useState } from "react";
import { useApi } from "../../app/api.ts";
import { TimeChart } from "../../app/charts/TimeChart.tsx";
import { FindingLinks } from "../../app/FindingLinks.tsx";
import { num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { Finding } from "../../app/types.ts";
import type { Forecast, MlStatus } from "./types.ts";

/**
 * The monitor's models: which are trained and active, the anomaly model's findings, and a risk
 * series' forecast with its interval. Without a trained model it says how to train one.
 */
export default function MlPage() {
  const status = useApi<MlStatus>("/ml/status");
  const anomalies = useApi<{ data: Finding[] }>("/ml/anomalies?limit=50", { everyMs: 10_000 });
  const [series, setSeries] = useState("anomaly_score");
  const [hours, setHours] = useState(24);
  const forecast = useApi<Forecast>(`/ml/forecast?series=${series}&hours=${hours}`);
  const chart = useMemo(() => {
    const points = forecast.data?.points ?? [];
    return {
      times: points.map((p) => Date.parse(p.time)),
      series: [
        { label: "Upper", values: points.map((p) => p.upper) },
        { label: "Forecast", values: points.map((p) => p.mean) },
        { label: "Lower", values: points.map((p) => p.lower) },
      ],
    };
  }, [forecast.data]);
  const formatValue = useMemo(() => (n: number) => num(n, 3), []);

  return (
    <section aria-labelledby="ml-title">
      <h1 id="ml-title">Machine learning</h1>
      <h2>Models</h2>
      {status.error ? <p role="alert">Could not load the models: {status.error}</p> : null}
      <p className="status">{status.data?.message ?? "Loading…"}</p>
      {status.data && status.data.models.length > 0 ? (
        <TableScroll label="Trained models">
          <table>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Purpose</th>
                <th scope="col">Algorithm</th>
                <th scope="col">Version</th>
                <th scope="col">Active</th>
                <th scope="col">Trained on</th>
                <th scope="col">Trained at</th>
              </tr>
            </thead>
            <tbody>
              {status.data.models.map((m) => (
                <tr key={m.id}>
                  <th scope="row">{m.id}</th>
                  <td>{m.purpose}</td>
                  <td>{m.algorithm}</td>
                  <td>{m.version}</td>
                  <td>{m.active ? "yes" : "no"}</td>
                  <td>
                    {utc(m.windowStart)} to {utc(m.windowEnd)}
                  </td>
                  <td>{utc(m.trainedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}

      <h2>Anomalies</h2>
      {anomalies.error ? <p role="alert">Could not load the anomalies: {anomalies.error}</p> : null}
      <FindingLinks
        findings={anomalies.data?.data ?? []}
        empty="The anomaly model found nothing."
      />

      <h2>Forecast</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Series{" "}
          <select value={series} onChange={(e) => setSeries(e.target.value)}>
            {(status.data?.series ?? [{ name: "anomaly_score", description: "" }]).map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Hours ahead{" "}
          <select value={hours} onChange={(e) => setHours(Number(e.target.value))}>
            {[6, 24, 72, 168].map((h) => (
              <option key={h}>{h}</option>
            ))}
          </select>
        </label>
      </form>
      <p className="status">
        {status.data?.series.find((s) => s.name === series)?.description ?? ""}
      </p>
      {forecast.error ? (
        <p role="status">No forecast: {forecast.error}</p>
      ) : forecast.data ? (
        <>
          <TimeChart
            title={`${forecast.data.series}: the next ${hours} hours, ${Math.round(forecast.data.level * 100)} % interval`}
            times={chart.times}
            series={chart.series}
            band={{ upper: 0, lower: 2 }}
            format={formatValue}
          />
          <p className="status">
            {forecast.data.method} ({forecast.data.model}), model version{" "}
            {forecast.data.modelVersion}, from {forecast.data.basedOn.hours} hours since{" "}
            {utc(forecast.data.basedOn.from)} ({forecast.data.basedOn.filled} filled)
          </p>
        </>
      ) : (
        <p className="status">Loading…</p>
      )}
    </section>
  );
}
