import { useEffect, useState } from "react";
import { Link } from "wouter";
import { getJson } from "./api.ts";
import { followFindings } from "./stream.ts";
import { type Finding, SEVERITIES } from "./types.ts";

const PAGE = 50;

/**
 * Findings, newest first, kept current by the live stream: a new or changed finding takes its
 * place at once. Filtered by severity and status, as `GET /security/events` filters.
 */
export function FindingsPage() {
  const [severity, setSeverity] = useState("");
  const [status, setStatus] = useState("");
  const [findings, setFindings] = useState<Finding[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (severity) query.set("severity", severity);
    if (status) query.set("status", status);
    setFindings(null);
    getJson<{ data: Finding[] }>(`/security/events?${query}`, abort.signal)
      .then((page) => {
        setFindings(page.data);
        setError(null);
      })
      .catch((e: Error) => {
        if (!abort.signal.aborted) setError(e.message);
      });
    const keep = (f: Finding) =>
      (!severity || f.severity === severity) && (!status || f.status === status);
    followFindings(
      (e) =>
        setFindings((list) => {
          if (list === null) return list;
          const rest = list.filter((f) => f.id !== e.finding.id);
          if (!keep(e.finding)) return rest;
          return [e.finding, ...rest]
            .sort((a, b) => b.detectedAt.localeCompare(a.detectedAt))
            .slice(0, PAGE);
        }),
      setLive,
      abort.signal,
    );
    return () => abort.abort();
  }, [severity, status]);

  return (
    <section aria-labelledby="findings-title">
      <div className="page-head">
        <h1 id="findings-title">Findings</h1>
        <p className="live" role="status">
          {live ? "Live" : "Connecting…"}
        </p>
      </div>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Severity{" "}
          <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">any</option>
            <option value="open">open</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
      </form>
      {error ? <p role="alert">Could not load findings: {error}</p> : null}
      <div className="table-scroll findings-scroll">
        <table className="findings">
          <thead>
            <tr>
              <th scope="col">Detected</th>
              <th scope="col">Severity</th>
              <th scope="col">Finding</th>
              <th scope="col">Detector</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {findings === null ? (
              <tr>
                <td colSpan={5}>Loading…</td>
              </tr>
            ) : findings.length === 0 ? (
              <tr>
                <td colSpan={5}>No findings match.</td>
              </tr>
            ) : (
              findings.map((f) => (
                <tr key={f.id} data-finding={f.id}>
                  <td>
                    <time dateTime={f.detectedAt}>{shortTime(f.detectedAt)}</time>
                  </td>
                  <td>
                    <span className={`sev sev-${f.severity}`}>{f.severity}</span>
                  </td>
                  <td>
                    <Link href={`/findings/${f.id}`}>{f.title}</Link>
                  </td>
                  <td>
                    {f.detector} / {f.kind}
                  </td>
                  <td>{f.status}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function shortTime(iso: string): string {
  return iso.replace("T", " ").slice(0, 19);
}
