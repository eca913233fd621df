import { useState } from "react";
import { micros, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { usePaged } from "../../app/use-paged.ts";
import "./shield.css";
import type { Decision } from "./types.ts";

const VERDICTS = [
  ["", "All"],
  ["allow", "Allowed"],
  ["deny", "Denied"],
] as const;

/** The policy check's decisions, newest first, with their reasons; filtered by verdict. */
export default function DecisionsPage() {
  const [verdict, setVerdict] = useState<"" | "allow" | "deny">("");
  const { rows, error, hasMore, more } = usePaged<Decision>(
    `/shield/decisions?limit=50${verdict ? `&verdict=${verdict}` : ""}`,
  );
  return (
    <section aria-labelledby="shield-decisions-title">
      <h1 id="shield-decisions-title">Decisions</h1>
      <fieldset className="shield-filter">
        <legend>Verdict</legend>
        {VERDICTS.map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="verdict"
              value={value}
              checked={verdict === value}
              onChange={() => setVerdict(value)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      {error ? <p role="alert">Could not load the decisions: {error}</p> : null}
      {rows !== null && rows.length === 0 ? (
        <p>No decisions{verdict ? " with this verdict" : ""} yet.</p>
      ) : (
        <TableScroll label="Decisions">
          <table className="shield-decisions">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Campaign</th>
                <th scope="col">Bid</th>
                <th scope="col">Predicted LTV</th>
                <th scope="col">Verdict</th>
                <th scope="col">Reasons</th>
                <th scope="col">Audit record</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={7}>Loading…</td>
                </tr>
              ) : (
                rows.map((d) => (
                  <tr key={d.decisionId} data-decision={d.decisionId} data-verdict={d.verdict}>
                    <td>{utc(d.at)}</td>
                    <td>
                      {d.campaignId} <span className="shield-id">{d.clientId}</span>
                    </td>
                    <td>{micros(d.bidMicros)}</td>
                    <td>{d.predictedLtvMicros === null ? "–" : micros(d.predictedLtvMicros)}</td>
                    <td>
                      <span className={`shield-verdict shield-${d.verdict}`}>
                        {d.verdict === "allow" ? "allowed" : "denied"}
                      </span>
                    </td>
                    <td>
                      {d.reasons.length === 0 ? (
                        "–"
                      ) : (
                        <ul className="shield-reasons">
                          {d.reasons.map((r) => (
                            <li key={r.code} data-reason={r.code}>
                              {r.message}
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td>#{d.auditSeq}</td>
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
