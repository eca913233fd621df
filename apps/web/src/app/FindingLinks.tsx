import { Link } from "wouter";
import { utc } from "./format.ts";
import type { Finding } from "./types.ts";

/** A short list of findings, each linking to its page; `empty` when there are none. */
export function FindingLinks({ findings, empty }: { findings: Finding[]; empty: string }) {
  if (findings.length === 0) return <p className="status">{empty}</p>;
  return (
    <ul className="finding-links">
      {findings.map((f) => (
        <li key={f.id}>
          <span className={`sev sev-${f.severity}`}>{f.severity}</span>{" "}
          <Link href={`/findings/${f.id}`}>{f.title}</Link>{" "}
          <span className="status">since {utc(f.detectedAt)}</span>
        </li>
      ))}
    </ul>
  );
}
