import { type FormEvent, useEffect, useState } from "react";
import { getJson } from "../api.ts";
import { FormError } from "../FormError.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { useAction } from "../use-action.ts";
import type { ApiKey, AuditEntry } from "./account-types.ts";
import { when } from "./account-types.ts";
import { downloadAuditLog } from "./audit-export.ts";

const PAGE_SIZES = [10, 25, 50, 100, 250] as const;

/**
 * The tenant's audit log (`GET /audit-log`), newest first: who changed what and when. Its one
 * filter is `since`; pages follow the API's cursor (older), and the pages seen are kept to go
 * back (newer). The whole log, from `since`, downloads as NDJSON.
 */
export function AuditLogPage() {
  const [sinceInput, setSinceInput] = useState("");
  const [limitInput, setLimitInput] = useState<number>(50);
  const [query, setQuery] = useState<{ since: string | null; limit: number }>({
    since: null,
    limit: 50,
  });
  /** Cursors of the pages shown so far; the last is this page's (null: the newest page). */
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ data: AuditEntry[]; nextCursor: string | null } | null>(null);
  const [keyNames, setKeyNames] = useState<Map<string, string>>(new Map());
  const list = useAction();
  const exporting = useAction();
  const cursor = cursors.at(-1) ?? null;
  const run = list.run;

  useEffect(() => {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.since) params.set("since", query.since);
    if (cursor) params.set("cursor", cursor);
    run(async () => setPage(await getJson(`/audit-log?${params}`)));
  }, [query, cursor, run]);
  // Key ids are shown with the key's name where this caller may read keys (a nicety, not needed).
  useEffect(() => {
    getJson<{ data: ApiKey[] }>("/api-keys")
      .then((b) => setKeyNames(new Map(b.data.map((k) => [k.id, k.name]))))
      .catch(() => undefined);
  }, []);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setQuery({
      since: sinceInput ? new Date(sinceInput).toISOString() : null,
      limit: limitInput,
    });
    setCursors([null]);
  };
  const actor = (a: string) => {
    const name = keyNames.get(a);
    return name ? `${name} (${a})` : a;
  };

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="lede">Every change made through the API: who, what, when, in which request.</p>
      <form className="filters" onSubmit={apply}>
        <label>
          Since{" "}
          <input
            type="datetime-local"
            value={sinceInput}
            onChange={(e) => setSinceInput(e.target.value)}
          />
        </label>
        <label>
          Per page{" "}
          <select value={limitInput} onChange={(e) => setLimitInput(Number(e.target.value))}>
            {PAGE_SIZES.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Apply</button>
        <button
          type="button"
          disabled={exporting.busy}
          onClick={() => exporting.run(() => downloadAuditLog(query.since))}
        >
          Download (NDJSON)
        </button>
      </form>
      <FormError error={exporting.error ?? list.error} />
      <TableScroll label="Audit entries">
        <table className="audit">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Request</th>
            </tr>
          </thead>
          <tbody>
            {(page?.data ?? []).map((e) => (
              <tr key={e.id} data-audit={e.id}>
                <td>{when(e.at, true)}</td>
                <td data-actor={e.actor}>{actor(e.actor)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target}</td>
                <td>
                  <small>{e.requestId ?? "–"}</small>
                </td>
              </tr>
            ))}
            {page !== null && page.data.length === 0 ? (
              <tr>
                <td colSpan={5}>No changes recorded.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableScroll>
      <nav aria-label="Audit log pages" className="pager">
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}
        >
          Newer
        </button>
        <span>Page {cursors.length}</span>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => {
            const next = page?.nextCursor;
            if (next) setCursors((c) => [...c, next]);
          }}
        >
          Older
        </button>
      </nav>
    </section>
  );
}
