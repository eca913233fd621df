import { useState } from "react";
import { Link } from "wouter";
import { useApi } from "../../app/api.ts";
import { utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { EventsTable } from "./EventsTable.tsx";
import "./rca.css";
import { statusLine } from "./status.ts";
import type { Neighbourhood, RcaEvent, RcaResource, Relation } from "./types.ts";
import { WINDOWS, type WindowId, windowParams } from "./use-window.ts";

const EVENTS_LIMIT = 1_000;

/** One end of a relation: the page's own resource in words, another as a link to its page. */
function End({ id, centre, known }: { id: string; centre: string; known: Set<string> }) {
  if (id === centre) return <strong>this resource</strong>;
  return known.has(id) ? (
    <Link href={`/rca/resources/${id}`}>{id}</Link>
  ) : (
    <span title="never seen as an object">{id} (not watched)</span>
  );
}

/** The relations of a neighbourhood grouped by type, each end linking to its resource. */
function Relations({ n }: { n: Neighbourhood }) {
  const known = new Set(n.nodes.filter((x) => x.resource).map((x) => x.id));
  const byType = new Map<string, Relation[]>();
  for (const r of n.relations) byType.set(r.type, [...(byType.get(r.type) ?? []), r]);
  if (byType.size === 0) return <p>No relations: nothing refers to it and it refers to nothing.</p>;
  return (
    <div className="rca-relations">
      {[...byType.entries()].map(([type, rels]) => (
        <section key={type} aria-labelledby={`rel-${type}`} data-relation={type}>
          <h3 id={`rel-${type}`}>
            {type} <span className="status">({rels.length})</span>
          </h3>
          <ul>
            {rels.map((r) => (
              <li key={`${r.from}>${r.to}`}>
                <End id={r.from} centre={n.resource} known={known} /> →{" "}
                <End id={r.to} centre={n.resource} known={known} />
                {r.weight !== 1 ? <span className="status"> (weight {r.weight})</span> : null}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

function Containers({ r }: { r: RcaResource }) {
  const containers = r.status.containers ?? [];
  if (containers.length === 0) return null;
  return (
    <TableScroll label="Containers">
      <table>
        <caption className="visually-hidden">Containers</caption>
        <thead>
          <tr>
            <th scope="col">Container</th>
            <th scope="col">State</th>
            <th scope="col">Ready</th>
            <th scope="col">Restarts</th>
            <th scope="col">Last termination</th>
            <th scope="col">Image</th>
          </tr>
        </thead>
        <tbody>
          {containers.map((c) => (
            <tr key={c.name}>
              <th scope="row">{c.name}</th>
              <td>{c.reason ? `${c.state} (${c.reason})` : c.state}</td>
              <td>{c.ready ? "yes" : "no"}</td>
              <td>{c.restarts}</td>
              <td>
                {c.lastTermination
                  ? `${c.lastTermination.reason ?? "?"}${c.lastTermination.exitCode !== undefined ? `, exit ${c.lastTermination.exitCode}` : ""}${c.lastTermination.finishedAt ? ` at ${utc(c.lastTermination.finishedAt)}` : ""}`
                  : "–"}
              </td>
              <td className="url">{c.image ?? "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/**
 * One resource (`/rca/resources/<kind>/<namespace>/<name>`): its status and labels, what it is
 * related to within 1–3 hops, grouped by relation, and its recent events.
 */
export default function ResourcePage({ params }: { params: Record<string, string | undefined> }) {
  const id = params["*"] ?? "";
  const [hops, setHops] = useState("1");
  const [windowId, setWindowId] = useState<WindowId>("24h");
  const n = useApi<Neighbourhood>(
    `/rca/neighbourhood?${new URLSearchParams({ resource: id, hops })}`,
  );
  const ms = WINDOWS.find((w) => w.id === windowId)?.ms ?? 0;
  const events = useApi<{ data: RcaEvent[] }>(
    (now) =>
      `/rca/events?${new URLSearchParams({ ...windowParams(ms, now), resource: id, limit: String(EVENTS_LIMIT) })}`,
    { key: `${id} ${windowId}`, everyMs: 15_000 },
  );
  const r = n.data?.nodes.find((x) => x.id === id)?.resource ?? null;
  const s = r ? statusLine(r.kind, r.status) : null;
  return (
    <article aria-labelledby="rca-resource-title">
      <p>
        <Link href="/rca/resources">← Resources</Link>
      </p>
      <h1 id="rca-resource-title" className="rca-id">
        {id}
      </h1>
      {n.error && !n.data ? <p role="alert">Could not load the resource: {n.error}</p> : null}
      {r ? (
        <dl className="pairs">
          <div>
            <dt>kind</dt>
            <dd>{r.kind}</dd>
          </div>
          <div>
            <dt>namespace</dt>
            <dd>{r.namespace ?? "– (cluster-wide)"}</dd>
          </div>
          <div>
            <dt>service</dt>
            <dd>{r.service ?? "–"}</dd>
          </div>
          <div>
            <dt>status</dt>
            <dd className={`health-${s?.level ?? "none"}`}>{s?.text}</dd>
          </div>
          <div>
            <dt>first seen</dt>
            <dd>{utc(r.firstSeenAt)}</dd>
          </div>
          <div>
            <dt>last seen</dt>
            <dd>{utc(r.lastSeenAt)}</dd>
          </div>
          {r.deletedAt ? (
            <div>
              <dt>deleted</dt>
              <dd>{utc(r.deletedAt)}</dd>
            </div>
          ) : null}
          <div>
            <dt>labels</dt>
            <dd>
              {Object.entries(r.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(", ") || "none"}
            </dd>
          </div>
        </dl>
      ) : n.data ? (
        <p className="status">Never seen as an object: only others refer to it.</p>
      ) : n.error ? null : (
        <p>Loading…</p>
      )}
      {r ? <Containers r={r} /> : null}
      <h2>Neighbourhood</h2>
      <form className="filters" aria-label="Neighbourhood" onSubmit={(e) => e.preventDefault()}>
        <label>
          Within{" "}
          <select value={hops} onChange={(e) => setHops(e.target.value)}>
            <option value="1">1 hop</option>
            <option value="2">2 hops</option>
            <option value="3">3 hops</option>
          </select>
        </label>
      </form>
      {n.data ? <Relations n={n.data} /> : null}
      <h2>Events</h2>
      <form className="filters" aria-label="Events" onSubmit={(e) => e.preventDefault()}>
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
      {events.error && !events.data ? (
        <p role="alert">Could not load its events: {events.error}</p>
      ) : null}
      {events.data === null ? (
        events.error ? null : (
          <p>Loading…</p>
        )
      ) : events.data.data.length === 0 ? (
        <p>No events in this window.</p>
      ) : (
        <>
          {events.data.data.length >= EVENTS_LIMIT ? (
            <p className="status">
              The first {EVENTS_LIMIT.toLocaleString("en-US")} of the window: choose a shorter one.
            </p>
          ) : null}
          <EventsTable label={`Events on ${id}`} events={events.data.data} />
        </>
      )}
    </article>
  );
}
