import { Link } from "wouter";
import { useApi } from "./api.ts";
import { evidenceLabel, evidenceValue } from "./evidence.ts";
import { utc } from "./format.ts";
import type { Finding } from "./types.ts";

/** One finding: what, when, how often, and its evidence (`GET /security/events/{id}`). */
export function FindingDetail({ id }: { id: string }) {
  const { data: finding, error } = useApi<Finding>(`/security/events/${encodeURIComponent(id)}`);
  if (error) return <p role="alert">Could not load the finding: {error}</p>;
  if (!finding) return <p>Loading…</p>;
  const timeline: [string, string | null][] = [
    ["first data", finding.firstDataAt],
    ["detected", finding.detectedAt],
    ["last updated", finding.updatedAt],
    ["resolved", finding.resolvedAt],
  ];
  return (
    <article aria-labelledby="finding-title">
      <p>
        <Link href="/findings">← Findings</Link>
      </p>
      <h1 id="finding-title">{finding.title}</h1>
      <p>
        <span className={`sev sev-${finding.severity}`}>{finding.severity}</span> · {finding.status}{" "}
        · {finding.detector} / {finding.kind} · {finding.subject.type} {finding.subject.id} · seen{" "}
        {finding.occurrences} times
      </p>
      <h2>Timeline</h2>
      <dl className="pairs">
        {timeline
          .filter((t): t is [string, string] => t[1] !== null)
          .map(([label, at]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>
                <time dateTime={at}>{utc(at)}</time>
              </dd>
            </div>
          ))}
      </dl>
      <h2>Evidence</h2>
      <dl className="pairs">
        {Object.entries(finding.evidence).map(([k, v]) => (
          <div key={k}>
            <dt title={k}>{evidenceLabel(k)}</dt>
            <dd>{evidenceValue(k, v)}</dd>
          </div>
        ))}
      </dl>
    </article>
  );
}
