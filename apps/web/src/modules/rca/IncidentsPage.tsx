import { useState } from "react";
import { Link, useLocation } from "wouter";
import { useApi } from "../../app/api.ts";
import { sendJson } from "../../app/api-write.ts";
import { FormError } from "../../app/FormError.tsx";
import { TableScroll } from "../../app/TableScroll.tsx";
import { useAction } from "../../app/use-action.ts";
import "./rca.css";
import type { Analysis, Incident } from "./types.ts";
import { spanText, WINDOWS, type WindowId, windowParams } from "./use-window.ts";

const MIN = 60_000;
/**
 * An incident's RCA window: from 5 minutes before its first event (a fault shows in metrics
 * before Kubernetes reports it) to a minute after its last.
 */
export const analysisWindow = (i: Incident) => ({
  from: new Date(Date.parse(i.firstSeenAt) - 5 * MIN).toISOString(),
  to: new Date(Date.parse(i.lastSeenAt) + MIN).toISOString(),
});

const reasons = (i: Incident) =>
  i.reasons.map((r) => (r.count > 1 ? `${r.reason} ×${r.count}` : r.reason)).join(", ");

/**
 * What is going wrong now: the resources with warning or critical events in the window chosen
 * (`GET /rca/incidents`, refreshed every 15 s), each with an action that asks for its root cause.
 */
export default function IncidentsPage() {
  const [windowId, setWindowId] = useState<WindowId>("1h");
  const ms = WINDOWS.find((w) => w.id === windowId)?.ms ?? 0;
  const { data, error } = useApi<{ data: Incident[] }>(
    (now) => `/rca/incidents?${new URLSearchParams(windowParams(ms, now))}`,
    { key: windowId, everyMs: 15_000 },
  );
  const analyse = useAction();
  const [asking, setAsking] = useState<string | null>(null);
  const [, navigate] = useLocation();
  const ask = (i: Incident) => {
    setAsking(i.resource);
    analyse
      .run(async () => {
        const made = await sendJson<Analysis>("POST", "/rca/analyses", {
          ...analysisWindow(i),
          ...(i.service ? { service: i.service } : {}),
          alert: `${i.severity} on ${i.resource}: ${reasons(i)}`.slice(0, 500),
        });
        navigate(`/rca/analyses/${made.id}`);
      })
      .finally(() => setAsking(null));
  };
  const rows = data?.data ?? null;
  return (
    <section aria-labelledby="rca-incidents-title">
      <h1 id="rca-incidents-title">Incidents</h1>
      <p className="status">
        Resources with warning or critical events: Kubernetes warnings, state changes (OOMKilled,
        CrashLoopBackOff, NotReady…), metric anomalies and bursts of log errors. Critical first,
        then the latest.
      </p>
      <form className="filters" aria-label="Window" onSubmit={(e) => e.preventDefault()}>
        <label>
          Over the{" "}
          <select value={windowId} onChange={(e) => setWindowId(e.target.value as WindowId)}>
            {WINDOWS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && !data ? <p role="alert">Could not load the incidents: {error}</p> : null}
      <FormError error={analyse.error} />
      {rows !== null && rows.length === 0 ? (
        <p>Nothing is going wrong in this window.</p>
      ) : (
        <TableScroll label="Incidents">
          <table className="rca-incidents">
            <thead>
              <tr>
                <th scope="col">Severity</th>
                <th scope="col">Resource</th>
                <th scope="col">Service</th>
                <th scope="col">Events</th>
                <th scope="col">Reasons</th>
                <th scope="col">Seen</th>
                <th scope="col">Root cause</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={7}>Loading…</td>
                </tr>
              ) : (
                rows.map((i) => (
                  <tr key={i.resource} data-incident={i.resource}>
                    <td className={`sev sev-${i.severity}`}>{i.severity}</td>
                    <td>
                      <Link href={`/rca/resources/${i.resource}`}>{i.resource}</Link>
                      {i.deleted ? " (deleted)" : ""}
                    </td>
                    <td>{i.service ?? "–"}</td>
                    <td>{i.count}</td>
                    <td>{reasons(i)}</td>
                    <td>{spanText(i.firstSeenAt, i.lastSeenAt)}</td>
                    <td>
                      <button
                        type="button"
                        disabled={analyse.busy}
                        aria-label={`Analyse ${i.resource}`}
                        onClick={() => ask(i)}
                      >
                        {asking === i.resource ? "Analysing…" : "Analyse"}
                      </button>
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
