import { type FormEvent, useEffect, useState } from "react";
import { Link } from "wouter";
import { getJson } from "../../app/api.ts";
import { utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import "./rca.css";
import { statusLine } from "./status.ts";
import { type RcaResource, RESOURCE_KINDS } from "./types.ts";

const PAGE = 100;

interface Filters {
  kind: string;
  namespace: string;
  prefix: string;
}
type Page = { data: RcaResource[]; nextCursor: string | null };

/** The knowledge graph's resources, filtered by kind, namespace and name prefix, paged by cursor. */
export default function ResourcesPage() {
  const [draft, setDraft] = useState<Filters>({ kind: "", namespace: "", prefix: "" });
  const [filters, setFilters] = useState<Filters>(draft);
  const [rows, setRows] = useState<RcaResource[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const query = (cursor: string | null) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (filters.kind) q.set("kind", filters.kind);
    if (filters.namespace) q.set("namespace", filters.namespace);
    if (filters.prefix) q.set("prefix", filters.prefix);
    if (cursor) q.set("cursor", cursor);
    return `/rca/resources?${q}`;
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: the query is a function of the filters
  useEffect(() => {
    const abort = new AbortController();
    setRows(null);
    getJson<Page>(query(null), abort.signal)
      .then((page) => {
        setRows(page.data);
        setNext(page.nextCursor);
        setError(null);
      })
      .catch((e: Error) => {
        if (!abort.signal.aborted) setError(e.message);
      });
    return () => abort.abort();
  }, [filters]);

  const more = async () => {
    if (!next) return;
    try {
      const page = await getJson<Page>(query(next));
      setRows((r) => [...(r ?? []), ...page.data]);
      setNext(page.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };

  return (
    <section aria-labelledby="rca-resources-title">
      <h1 id="rca-resources-title">Resources</h1>
      <p className="status">
        What the agents report of your clusters: each object, its workload and its status now.
      </p>
      <form className="filters" onSubmit={apply} aria-label="Filter the resources">
        <label>
          Kind{" "}
          <select value={draft.kind} onChange={(e) => setDraft({ ...draft, kind: e.target.value })}>
            <option value="">any</option>
            {RESOURCE_KINDS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label>
          Namespace{" "}
          <input
            value={draft.namespace}
            onChange={(e) => setDraft({ ...draft, namespace: e.target.value })}
          />
        </label>
        <label>
          Name starts with{" "}
          <input
            value={draft.prefix}
            onChange={(e) => setDraft({ ...draft, prefix: e.target.value })}
          />
        </label>
        <button type="submit">Apply</button>
      </form>
      {error ? <p role="alert">Could not load the resources: {error}</p> : null}
      <TableScroll label="Resources">
        <table className="rca-resources">
          <thead>
            <tr>
              <th scope="col">Kind</th>
              <th scope="col">Namespace</th>
              <th scope="col">Name</th>
              <th scope="col">Service</th>
              <th scope="col">Status</th>
              <th scope="col">Last seen</th>
            </tr>
          </thead>
          <tbody>
            {rows === null ? (
              <tr>
                <td colSpan={6}>Loading…</td>
              </tr>
            ) : rows.length === 0 ? (
              <tr>
                <td colSpan={6}>
                  No resources match.{" "}
                  {filters.kind || filters.namespace || filters.prefix
                    ? ""
                    : "An agent sends them once it runs in a cluster (docs/rca-agents.md)."}
                </td>
              </tr>
            ) : (
              rows.map((r) => {
                const s = statusLine(r.kind, r.status);
                return (
                  <tr key={r.id} data-resource={r.id}>
                    <td>{r.kind}</td>
                    <td>{r.namespace ?? "–"}</td>
                    <td>
                      <Link href={`/rca/resources/${r.id}`}>{r.name}</Link>
                    </td>
                    <td>{r.service ?? "–"}</td>
                    <td className={`health-${s.level}`}>{s.text}</td>
                    <td>{utc(r.lastSeenAt)}</td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </TableScroll>
      {next ? (
        <button type="button" onClick={more}>
          More
        </button>
      ) : null}
    </section>
  );
}
