import { Link } from "wouter";
import { useApi } from "../../app/api.ts";
import type { Incident, RcaResource } from "./types.ts";
import { windowParams } from "./use-window.ts";

const HOUR = 3_600_000;
const COUNTED = 1_000;

/**
 * RCA's part of the overview: the resources with critical and warning events in the last hour
 * (refreshed every 15 s), and how many resources the graph holds (counted up to 1,000).
 */
export function RcaPanel() {
  const incidents = useApi<{ data: Incident[] }>(
    (now) => `/rca/incidents?${new URLSearchParams(windowParams(HOUR, now))}`,
    { key: "1h", everyMs: 15_000 },
  );
  const resources = useApi<{ data: RcaResource[]; nextCursor: string | null }>(
    `/rca/resources?limit=${COUNTED}`,
  );
  const rows = incidents.data?.data ?? null;
  const count = (s: Incident["severity"]) =>
    rows ? String(rows.filter((i) => i.severity === s).length) : "–";
  const held = resources.data
    ? `${resources.data.data.length.toLocaleString("en-US")}${resources.data.nextCursor ? "+" : ""}`
    : "–";
  const error = incidents.error ?? resources.error;
  return (
    <section aria-labelledby="rca-panel-title" className="panel">
      <h2 id="rca-panel-title">Kubernetes RCA</h2>
      {error && !rows ? <p role="alert">Could not load RCA: {error}</p> : null}
      <dl className="figures-row">
        <div className="figure">
          <dt className="sev sev-critical">critical now</dt>
          <dd data-figure="critical">{count("critical")}</dd>
        </div>
        <div className="figure">
          <dt className="sev">warning now</dt>
          <dd data-figure="warning">{count("warning")}</dd>
        </div>
        <div className="figure">
          <dt>resources</dt>
          <dd data-figure="resources">{held}</dd>
        </div>
      </dl>
      <p className="status">
        Resources with critical or warning events in the last hour, and the resources the agents
        report. <Link href="/rca/incidents">Incidents</Link> ·{" "}
        <Link href="/rca/resources">Resources</Link>
      </p>
    </section>
  );
}
