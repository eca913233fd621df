import { useState } from "react";
import { sendJson } from "../../app/api-write.ts";
import { FormError } from "../../app/FormError.tsx";
import { num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { useAction } from "../../app/use-action.ts";
import { usePaged } from "../../app/use-paged.ts";
import "./shield.css";
import type { AuditRecord, Verification } from "./types.ts";

const short = (hash: string) => `${hash.slice(0, 12)}…`;

/** Runs a verification of the whole chain and says what it found. */
function VerifyPanel() {
  const action = useAction();
  const [result, setResult] = useState<Verification | null>(null);
  const verify = () =>
    action.run(async () =>
      setResult(await sendJson<Verification>("POST", "/shield/audit/verifications", {})),
    );
  return (
    <section className="panel shield-verify" aria-labelledby="shield-verify-title">
      <h2 id="shield-verify-title">Verification</h2>
      <p className="hint">
        Re-reads every record, recomputes its SHA-256 over its canonical JSON, and checks each link
        and checkpoint: a record changed or removed after it was written is named here.
      </p>
      <button type="button" onClick={verify} disabled={action.busy}>
        {action.busy ? "Verifying…" : "Verify the chain"}
      </button>
      <FormError error={action.error} />
      {result ? (
        <p
          role="status"
          data-verification={result.ok ? "intact" : "broken"}
          className={result.ok ? "shield-intact" : "shield-broken"}
        >
          {result.ok
            ? `Intact: ${num(result.records, 0)} records, head #${result.head?.seq ?? 0} ${
                result.head ? short(result.head.hash) : ""
              }`
            : `Broken at record #${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${num(
                result.records,
                0,
              )} records intact before it)`}{" "}
          — checked {utc(result.checkedAt)} in {result.durationMs} ms
        </p>
      ) : null}
    </section>
  );
}

/**
 * The tamper-evident audit trail: a verification on request, and the records newest first (each
 * with its hash and the previous record's, so a link can be followed by eye).
 */
export default function AuditPage() {
  const { rows, error, hasMore, more } = usePaged<AuditRecord>("/shield/audit/records?limit=50");
  return (
    <section aria-labelledby="shield-audit-title">
      <h1 id="shield-audit-title">Audit trail</h1>
      <VerifyPanel />
      <h2>Records</h2>
      {error ? <p role="alert">Could not load the records: {error}</p> : null}
      {rows !== null && rows.length === 0 ? (
        <p>No records yet: each policy decision, bid and outcome is appended here.</p>
      ) : (
        <TableScroll label="Audit records">
          <table className="shield-audit">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">Kind</th>
                <th scope="col">When</th>
                <th scope="col">Hash</th>
                <th scope="col">Previous</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={5}>Loading…</td>
                </tr>
              ) : (
                rows.map((r) => (
                  <tr key={r.seq} data-seq={r.seq}>
                    <td>#{r.seq}</td>
                    <td>{r.kind}</td>
                    <td>{utc(r.at)}</td>
                    <td>
                      <code title={r.hash}>{short(r.hash)}</code>
                    </td>
                    <td>
                      <code title={r.prevHash}>{short(r.prevHash)}</code>
                    </td>
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
