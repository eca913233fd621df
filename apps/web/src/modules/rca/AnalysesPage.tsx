import { type FormEvent, useState } from "react";
import { Link, useLocation } from "wouter";
import { sendJson } from "../../app/api-write.ts";
import { FormError } from "../../app/FormError.tsx";
import { num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { useAction } from "../../app/use-action.ts";
import { usePaged } from "../../app/use-paged.ts";
import "./rca.css";
import type { Analysis, AnalysisSummary } from "./types.ts";
import { windowText } from "./use-window.ts";

/** A time for a `datetime-local` input, in UTC (the dashboard's times are UTC): `2026-05-01T14:03`. */
const inputTime = (ms: number) => new Date(ms).toISOString().slice(0, 16);
/** A `datetime-local` input's value read as UTC. */
const fromInput = (v: string) => new Date(`${v}:00Z`).toISOString();

function AskForm() {
  const now = Date.now();
  const [from, setFrom] = useState(inputTime(now - 15 * 60_000));
  const [to, setTo] = useState(inputTime(now + 60_000));
  const [service, setService] = useState("");
  const [alert, setAlert] = useState("");
  const ask = useAction();
  const [, navigate] = useLocation();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    ask.run(async () => {
      const made = await sendJson<Analysis>("POST", "/rca/analyses", {
        from: fromInput(from),
        to: fromInput(to),
        ...(service.trim() ? { service: service.trim() } : {}),
        ...(alert.trim() ? { alert: alert.trim() } : {}),
      });
      navigate(`/rca/analyses/${made.id}`);
    });
  };
  return (
    <form className="stacked panel" onSubmit={submit} aria-labelledby="rca-ask-title">
      <h2 id="rca-ask-title">Ask for a root cause</h2>
      <p className="hint">
        The window in which the symptom showed (UTC), and where it showed if you know: the ranking
        then follows the calls from each candidate to that service.
      </p>
      <div className="rca-ask-grid">
        <label>
          From (UTC)
          <input
            type="datetime-local"
            required
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <label>
          To (UTC)
          <input
            type="datetime-local"
            required
            value={to}
            onChange={(e) => setTo(e.target.value)}
          />
        </label>
        <label>
          Service (optional)
          <input
            value={service}
            placeholder="frontend"
            onChange={(e) => setService(e.target.value)}
          />
        </label>
        <label>
          Alert (optional)
          <input value={alert} onChange={(e) => setAlert(e.target.value)} />
        </label>
      </div>
      <div className="buttons">
        <button type="submit" disabled={ask.busy}>
          {ask.busy ? "Analysing…" : "Analyse"}
        </button>
      </div>
      <FormError error={ask.error} />
    </form>
  );
}

/** RCA queries: a form to ask one, and those asked before, newest first (paged by cursor). */
export default function AnalysesPage() {
  const { rows, error, hasMore, more } = usePaged<AnalysisSummary>("/rca/analyses?limit=20");
  return (
    <section aria-labelledby="rca-analyses-title">
      <h1 id="rca-analyses-title">Root causes</h1>
      <AskForm />
      <h2>Asked before</h2>
      {error ? <p role="alert">Could not load the analyses: {error}</p> : null}
      {rows !== null && rows.length === 0 ? (
        <p>No analyses yet.</p>
      ) : (
        <TableScroll label="Analyses asked before">
          <table className="rca-analyses">
            <thead>
              <tr>
                <th scope="col">Asked</th>
                <th scope="col">Window</th>
                <th scope="col">Service</th>
                <th scope="col">Most likely cause</th>
                <th scope="col">Candidates</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={5}>Loading…</td>
                </tr>
              ) : (
                rows.map((a) => (
                  <tr key={a.id} data-analysis={a.id}>
                    <td>
                      <Link href={`/rca/analyses/${a.id}`}>{utc(a.createdAt)}</Link>
                    </td>
                    <td>{windowText(a.symptom.from, a.symptom.to)}</td>
                    <td>{a.symptom.service ?? "–"}</td>
                    <td>
                      {a.top
                        ? `${a.top.service} (${a.top.faultType}, score ${num(a.top.score)})`
                        : "none found"}
                    </td>
                    <td>{a.candidates}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableScroll>
      )}
      {hasMore ? (
        <button type="button" onClick={more}>
          More
        </button>
      ) : null}
    </section>
  );
}
