import { useId } from "react";
import { Link } from "wouter";
import { type CausalChain, causalChain, type PathNode } from "./status.ts";
import type { Candidate } from "./types.ts";

const W = 320;
const BOX_H = 52;
const GAP = 44;
const PAD = 4;
const MAX_CHARS = 36;

/** A long name shortened in its middle, where names of pods differ least. */
const fit = (s: string) =>
  s.length <= MAX_CHARS ? s : `${s.slice(0, 17)}…${s.slice(s.length - (MAX_CHARS - 18))}`;

function roleOf(n: PathNode, faultType: string): string {
  if (n.role) return n.role;
  if (n.cause && n.symptom) return `the cause (${faultType} fault) and the symptom`;
  if (n.cause) return `the candidate cause: ${faultType} fault`;
  if (n.symptom) return "where the symptom shows";
  return "on the path";
}

/** The chain as one sentence: what the drawing says, for a screen reader. */
function sentence(chain: CausalChain, faultType: string): string {
  return chain.nodes
    .map((n, i) => `${i > 0 ? `${chain.edges[i - 1]} ` : ""}${n.label} (${roleOf(n, faultType)})`)
    .join(", ");
}

/**
 * A candidate's causal path drawn from the cause down to the symptom (the answer's resources, or
 * its resource, its service and each caller up to the symptom's), with the relation on each
 * arrow. The drawing is named by the same path in words, also listed (with links) under it.
 */
export function CausalPath({
  candidate,
  symptomService,
}: {
  candidate: Candidate;
  symptomService: string | undefined;
}) {
  const chain = causalChain(candidate, symptomService);
  const marker = `arrow${useId().replace(/[^A-Za-z0-9_-]/g, "")}`;
  const n = chain.nodes.length;
  const height = PAD * 2 + n * BOX_H + (n - 1) * GAP;
  const top = (i: number) => PAD + i * (BOX_H + GAP);
  return (
    <figure className="causal-path">
      <figcaption>Causal path</figcaption>
      <svg
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-label={`Causal path: ${sentence(chain, candidate.faultType)}`}
      >
        <defs>
          <marker
            id={marker}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="cp-head" />
          </marker>
        </defs>
        {chain.edges.map((label, i) => {
          const y1 = top(i) + BOX_H;
          return (
            <g key={`${chain.nodes[i]?.label}>${chain.nodes[i + 1]?.label}`} className="cp-edge">
              <line
                x1={W / 2}
                y1={y1 + 2}
                x2={W / 2}
                y2={y1 + GAP - 3}
                markerEnd={`url(#${marker})`}
              />
              <text x={W / 2 + 10} y={y1 + GAP / 2 + 4}>
                {label}
              </text>
            </g>
          );
        })}
        {chain.nodes.map((node, i) => (
          <g
            key={node.label}
            className={`cp-node${node.cause ? " cp-cause" : ""}${node.symptom ? " cp-symptom" : ""}`}
          >
            <title>{node.label}</title>
            <rect x={PAD} y={top(i)} width={W - PAD * 2} height={BOX_H} rx="8" />
            <text x={W / 2} y={top(i) + 21} textAnchor="middle" className="cp-label">
              {fit(node.label)}
            </text>
            <text x={W / 2} y={top(i) + 40} textAnchor="middle" className="cp-role">
              {roleOf(node, candidate.faultType)}
            </text>
          </g>
        ))}
      </svg>
      <details>
        <summary>The path in words</summary>
        <ol className="cp-list">
          {chain.nodes.map((node, i) => (
            <li key={node.label}>
              {i > 0 ? `${chain.edges[i - 1]} ` : ""}
              {node.kind === "resource" ? (
                <Link href={`/rca/resources/${node.label}`}>{node.label}</Link>
              ) : (
                <strong>{node.label}</strong>
              )}{" "}
              ({roleOf(node, candidate.faultType)})
            </li>
          ))}
        </ol>
      </details>
    </figure>
  );
}
