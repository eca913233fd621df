import { Link } from "wouter";
import { useApi } from "../../app/api.ts";
import { num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { CausalPath } from "./CausalPath.tsx";
import { EventsTable } from "./EventsTable.tsx";
import "./rca.css";
import type { Analysis, Candidate, Evidence, RcaEvent } from "./types.ts";
import { windowText } from "./use-window.ts";

const KNOWN = new Set(["resource", "metric", "labels", "signal", "value", "baseline", "z", "at"]);

/** Whatever else an evidence item carries, as `key: value` pairs. */
const extra = (e: Evidence) =>
  Object.entries(e)
    .filter(([k]) => !KNOWN.has(k))
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("; ");

function EvidenceTable({ c, rank }: { c: Candidate; rank: number }) {
  if (c.evidence.length === 0) return <p>No metric evidence.</p>;
  const more = c.evidence.some((e) => extra(e) !== "");
  return (
    <TableScroll label={`Evidence for candidate ${rank}, ${c.service}`}>
      <table className="rca-evidence">
        <caption className="visually-hidden">Evidence for {c.service}</caption>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Metric</th>
            <th scope="col">Signal</th>
            <th scope="col">Value</th>
            <th scope="col">Baseline</th>
            <th scope="col">z</th>
            <th scope="col">Most deviant at</th>
            {more ? <th scope="col">Detail</th> : null}
          </tr>
        </thead>
        <tbody>
          {c.evidence.map((e) => (
            <tr key={`${e.resource}|${e.metric}|${JSON.stringify(e.labels ?? {})}`}>
              <td>
                {e.resource ? <Link href={`/rca/resources/${e.resource}`}>{e.resource}</Link> : "–"}
              </td>
              <td>
                {e.metric ?? "–"}
                {e.labels && Object.keys(e.labels).length > 0 ? (
                  <span className="status">
                    {" "}
                    {Object.entries(e.labels)
                      .map(([k, v]) => `${k}=${v}`)
                      .join(", ")}
                  </span>
                ) : null}
              </td>
              <td>{e.signal ?? "–"}</td>
              <td>{num(e.value)}</td>
              <td>{num(e.baseline)}</td>
              <td>{num(e.z, 1)}</td>
              <td className="nowrap">
                {typeof e.at === "number" ? utc(new Date(e.at).toISOString()) : "–"}
              </td>
              {more ? <td>{extra(e)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** Events of the window on what a candidate names: its resource, its evidence's, its Service. */
function eventsOf(c: Candidate, events: RcaEvent[]): RcaEvent[] {
  const ids = new Set([c.resource, ...c.evidence.map((e) => e.resource)].filter(Boolean));
  return events.filter(
    (e) =>
      ids.has(e.resource) ||
      (e.resource.startsWith("service/") && e.resource.endsWith(`/${c.service}`)),
  );
}

function CandidateCard({
  c,
  rank,
  symptomService,
  events,
}: {
  c: Candidate;
  rank: number;
  symptomService: string | undefined;
  events: RcaEvent[] | null;
}) {
  const own = events ? eventsOf(c, events) : null;
  return (
    <section
      className="panel rca-candidate"
      aria-labelledby={`cand-${rank}`}
      data-candidate={c.service}
    >
      <h2 id={`cand-${rank}`}>
        {rank}. {c.service}
      </h2>
      <dl className="figures-row">
        <div className="figure">
          <dt>score</dt>
          <dd>{num(c.score)}</dd>
        </div>
        <div className="figure">
          <dt>fault type</dt>
          <dd>{c.faultType}</dd>
        </div>
        <div className="figure">
          <dt>resource</dt>
          <dd className="rca-id">
            {c.resource ? <Link href={`/rca/resources/${c.resource}`}>{c.resource}</Link> : "–"}
          </dd>
        </div>
      </dl>
      <div className="rca-candidate-body">
        <CausalPath candidate={c} symptomService={symptomService} />
        <div className="rca-evidence-box">
          <h3>Evidence</h3>
          <EvidenceTable c={c} rank={rank} />
          <h3>Its events in the window</h3>
          {own === null ? (
            <p>Loading…</p>
          ) : own.length === 0 ? (
            <p>None.</p>
          ) : (
            <EventsTable
              label={`Events on candidate ${rank}, ${c.service}`}
              events={own}
              showResource
            />
          )}
        </div>
      </div>
    </section>
  );
}

/**
 * An RCA query's answer: the symptom asked about, then each candidate by rank with its score,
 * fault type, causal path drawn, metric evidence and the events of the window on it.
 */
export default function AnalysisPage({ params }: { params: Record<string, string | undefined> }) {
  const id = params.id ?? "";
  const { data: a, error } = useApi<Analysis>(`/rca/analyses/${encodeURIComponent(id)}`);
  const events = useApi<{ data: RcaEvent[] }>(
    a
      ? `/rca/events?${new URLSearchParams({ from: a.symptom.from, to: a.symptom.to, limit: "1000" })}`
      : null,
  );
  if (error) return <p role="alert">Could not load the analysis: {error}</p>;
  if (!a) return <p>Loading…</p>;
  return (
    <article aria-labelledby="rca-analysis-title">
      <p>
        <Link href="/rca/analyses">← Root causes</Link>
      </p>
      <h1 id="rca-analysis-title">Root cause analysis</h1>
      <dl className="pairs">
        <div>
          <dt>window</dt>
          <dd>{windowText(a.symptom.from, a.symptom.to)}</dd>
        </div>
        <div>
          <dt>symptom's service</dt>
          <dd>{a.symptom.service ?? "not given"}</dd>
        </div>
        {a.symptom.alert ? (
          <div>
            <dt>alert</dt>
            <dd>{a.symptom.alert}</dd>
          </div>
        ) : null}
        <div>
          <dt>asked</dt>
          <dd>
            {utc(a.createdAt)}, answered in {num(a.durationMs, 0)} ms
          </dd>
        </div>
      </dl>
      {a.candidates.length === 0 ? (
        <p>
          No candidate: no metric moved in this window. Metric anomalies come from the agents'
          Prometheus remote write (docs/rca-agents.md).
        </p>
      ) : (
        a.candidates.map((c, i) => (
          <CandidateCard
            key={c.service}
            c={c}
            rank={i + 1}
            symptomService={a.symptom.service}
            events={events.data?.data ?? (events.error ? [] : null)}
          />
        ))
      )}
      {events.data && events.data.data.length > 0 ? (
        <details>
          <summary>All events in the window ({events.data.data.length})</summary>
          <EventsTable label="All events in the window" events={events.data.data} showResource />
        </details>
      ) : null}
    </article>
  );
}
