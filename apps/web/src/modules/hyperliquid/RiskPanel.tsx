import { useApi } from "../../app/api.ts";
import { utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { RiskDashboard } from "./types.ts";

/** The monitor's part of the overview: its risk score, level and the parts they come from. */
export function RiskPanel() {
  const { data, error } = useApi<RiskDashboard>("/security/dashboard", { everyMs: 5_000 });
  return (
    <section aria-labelledby="risk-title" className="panel">
      <h2 id="risk-title">Hyperliquid risk</h2>
      {error && !data ? <p role="alert">Could not load the risk score: {error}</p> : null}
      <div className="risk-head">
        <p className={`risk-score level-${data?.level ?? "none"}`}>
          <span className="risk-number">{data ? data.score : "–"}</span>
          <span className="visually-hidden"> out of 100, level </span>
          <span className="risk-level">{data?.level ?? "loading"}</span>
        </p>
        <p className="status">
          {data
            ? `${data.openFindings} open findings · as of ${utc(data.generatedAt)}`
            : "Loading…"}
        </p>
      </div>
      <TableScroll label="The risk score's components">
        <table>
          <caption className="visually-hidden">The risk score's components</caption>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Score</th>
              <th scope="col">Level</th>
              <th scope="col">Open</th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {(data?.components ?? []).map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.score}</td>
                <td className={`level-${c.level}`}>{c.level}</td>
                <td>{c.openFindings}</td>
                <td>{c.note ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {data ? (
        <details>
          <summary>How the score is made</summary>
          <p>{data.method}</p>
        </details>
      ) : null}
    </section>
  );
}
