import { round, type Signal, type Subject } from "@kamiyo/core";
import type { CorrelatorConfig } from "./config.ts";
import type { CorrelationEvent } from "./correlation-event.ts";
import { correlationSeverity, dimensions } from "./measures.ts";
import type { Pattern } from "./patterns.ts";

const cents = (n: number) => round(n, 2);

/** One open correlation: a pattern that held in a group, with every member that joined since. */
export interface Episode {
  pattern: Pattern;
  key: string;
  subject: Subject;
  members: Map<string, CorrelationEvent>;
  start: number;
  last: number;
  /** Events that joined past `maxEpisodeMembers`: they keep the episode alive, uncounted. */
  omitted: number;
  /** Members changed since the last raise. */
  dirty: boolean;
  /** Clock time of the last raise. */
  lastRaisedAt: number;
}

/**
 * The finding of an episode: its pattern as the kind, the subject and key fixed when it opened
 * (so every raise updates one finding), severity per `correlationSeverity`, and evidence
 * `{ pattern, members (the first maxEvidenceMembers ids by time), memberCount, membersOmitted,
 * eventCount, protocols, venues, chains, assets, totalUsd, windowStart, windowEnd, windowMs }`
 * plus the pattern's own fields. Held for twice the window and lateness, as a fallback: the
 * correlator resolves it itself.
 */
export function episodeSignal(ep: Episode, c: CorrelatorConfig): Signal {
  const m = ep.pattern.measure([...ep.members.values()]);
  const d = dimensions(m.members);
  const severity = correlationSeverity(m.totalUsd, m.protocols.length, c);
  return {
    kind: ep.pattern.kind,
    subject: ep.subject,
    key: ep.key,
    severity,
    title: ep.pattern.title(m, ep.last - ep.start),
    evidence: {
      pattern: ep.pattern.kind,
      members: m.members.slice(0, c.maxEvidenceMembers).map((x) => x.id),
      memberCount: ep.members.size,
      membersOmitted: ep.omitted,
      eventCount: m.eventCount,
      protocols: d.protocols,
      venues: d.venues,
      chains: d.chains,
      assets: d.assets,
      totalUsd: cents(m.totalUsd),
      windowStart: ep.start,
      windowEnd: ep.last,
      windowMs: c.windowMs,
      ...m.extra,
    },
    dataTime: ep.last,
    holdMs: 2 * (c.windowMs + c.latenessMs),
  };
}
