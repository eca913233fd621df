import { Link } from "wouter";
import { WEB_MODULES } from "../modules/index.ts";
import { useApi } from "./api.ts";
import { utc } from "./format.ts";
import { TableScroll } from "./TableScroll.tsx";
import { SEVERITIES } from "./types.ts";

interface Ready {
  ready: boolean;
  database: { ok: boolean; latencyMs: number; error: string | null };
  monitorInProcess: boolean;
  sources: Record<
    string,
    { status: "starting" | "up" | "degraded" | "down"; detail: string; lastDataAt: string | null }
  > | null;
  dataLagS: number | null;
  lagging: boolean;
}

interface Stats {
  findings: { total: number; open: number; bySeverity: Record<string, number> };
}

/** Seconds as "42 s", "3 min 5 s", "2 h 10 min". */
export function lag(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * The first page: open findings by severity, the sources' health and the data lag (`GET /ready`),
 * then each product module's own part (the monitor's risk score).
 */
export function OverviewPage() {
  const ready = useApi<Ready>("/ready", { everyMs: 5_000 });
  const stats = useApi<Stats>("/stats?days=30", { everyMs: 5_000 });
  const r = ready.data;
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <div className="panels">
        <section aria-labelledby="open-title" className="panel">
          <h2 id="open-title">Open findings</h2>
          {stats.error && !stats.data ? <p role="alert">{stats.error}</p> : null}
          <dl className="figures-row">
            {SEVERITIES.map((s) => (
              <div key={s} className="figure">
                <dt className={`sev sev-${s}`}>{s}</dt>
                <dd>{stats.data ? (stats.data.findings.bySeverity[s] ?? 0) : "–"}</dd>
              </div>
            ))}
          </dl>
          <p>
            <Link href="/findings">All findings</Link>
          </p>
        </section>
        <section aria-labelledby="sources-title" className="panel">
          <h2 id="sources-title">Sources and data</h2>
          {ready.error && !r ? <p role="alert">{ready.error}</p> : null}
          <p className="status">
            {r
              ? `Database ${r.database.ok ? `answers in ${r.database.latencyMs} ms` : `down: ${r.database.error}`} · data lag ${r.dataLagS === null ? "unknown (no data yet)" : lag(r.dataLagS)}${r.lagging ? " (stale)" : ""}`
              : "Loading…"}
          </p>
          {r && r.sources === null ? (
            <p className="status">No monitor runs in this process (an API replica).</p>
          ) : (
            <TableScroll label="Sources">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Source</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last data</th>
                    <th scope="col">Detail</th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(r?.sources ?? {}).map(([name, s]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td className={`source-${s.status}`}>{s.status}</td>
                      <td>{utc(s.lastDataAt)}</td>
                      <td>{s.detail}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </section>
      </div>
      {WEB_MODULES.map((m) => (m.overview ? <m.overview key={m.id} /> : null))}
    </section>
  );
}
