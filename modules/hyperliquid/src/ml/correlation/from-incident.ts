import { AppError, type Severity } from "@kamiyo/core";
import { type CorrelationEvent, protocolKey, type TechniqueTag } from "./correlation-event.ts";

const DAY_MS = 86_400_000;

/**
 * The fields of an exploit-intelligence incident (`Incident` of `@kamiyo/intel`) the correlator
 * reads; an `Incident` is one as it is.
 */
export interface IncidentLike {
  id: string;
  protocol: string;
  aliases?: readonly string[];
  /** UTC day, `YYYY-MM-DD`: no time of day. */
  date: string;
  chains: readonly string[];
  classification: string | null;
  technique: string | null;
  lossUsd: number | null;
  /**
   * When the attack happened, ISO 8601, when a source records it (the DeFi-Hack-Chronicle's
   * attack start, the monitor's own loss findings); absent or null when sources give a day only.
   */
  occurredAt?: string | null;
  references: readonly { source: string; firstSeenAt: string | null }[];
}

/** How an incident gets a time precise enough for a window of minutes. */
export interface IncidentTimeOptions {
  /**
   * When the attack happened, epoch ms, from a source that knows (the exploit transaction's block
   * time, a write-up's attack start); default: the incident's own `occurredAt`. It must lie within
   * a day of the incident's date (sources date incidents by the report day: an attack at 23:01
   * UTC is often dated the next day).
   */
  occurredAt?: number | null;
  /**
   * Sources whose first-seen time stands for the incident's time: only real-time feeds, which
   * report an incident minutes after it happens. Default none: every intel source today
   * (DeFiLlama, DeFiHackLabs, rekt, SlowMist, the Chronicle) publishes hours to days later and
   * is polled, so its first-seen time is our sync time, shared by every report of one sync.
   */
  realtimeSources?: readonly string[];
  /**
   * A first-seen time counts only this long after the start of the incident's UTC day, ms.
   * Default 24 h (the same day): a real-time source's first sync imports its whole history with
   * one first-seen time, and this keeps those old incidents out.
   */
  firstSeenMaxLagMs?: number;
}

/** A time for an incident and what it rests on. */
export interface IncidentTime {
  time: number;
  basis: "occurred" | "first_seen";
}

function dayStart(i: IncidentLike): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(i.date) ? Date.parse(`${i.date}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new AppError(
      "invalid_input",
      `incident ${i.id}: date ${JSON.stringify(i.date)} is not YYYY-MM-DD`,
      {
        details: { id: i.id, field: "date" },
      },
    );
  return ms;
}

/** The incident's own `occurredAt` as epoch ms (NaN when it does not parse, refused below). */
function ownTime(i: IncidentLike): number | null {
  return i.occurredAt ? Date.parse(i.occurredAt) : null;
}

/**
 * The time of an incident to the minute, or null when it has only a day (the usual case: then it
 * cannot be placed in a 5-minute window and takes no part in correlation).
 * @throws AppError `invalid_input` for a malformed date, or an `occurredAt` (given, or the
 *   incident's own) that is not a time or lies more than a day from the incident's date.
 */
export function incidentTime(i: IncidentLike, opts: IncidentTimeOptions = {}): IncidentTime | null {
  const start = dayStart(i);
  const at = opts.occurredAt !== undefined ? opts.occurredAt : ownTime(i);
  if (at !== undefined && at !== null) {
    if (!Number.isFinite(at) || at < start - DAY_MS || at >= start + 2 * DAY_MS)
      throw new AppError(
        "invalid_input",
        `incident ${i.id}: occurredAt ${at} is not within a day of its date ${i.date}`,
        { details: { id: i.id, field: "occurredAt" } },
      );
    return { time: at, basis: "occurred" };
  }
  const realtime = opts.realtimeSources ?? [];
  const maxLag = opts.firstSeenMaxLagMs ?? DAY_MS;
  let best: number | null = null;
  for (const r of i.references) {
    if (!realtime.includes(r.source) || r.firstSeenAt === null) continue;
    const t = Date.parse(r.firstSeenAt);
    if (!Number.isFinite(t) || t < start || t - start >= maxLag) continue;
    if (best === null || t < best) best = t;
  }
  return best === null ? null : { time: best, basis: "first_seen" };
}

/**
 * Technique tags read from an incident's classification and technique (`texts`) and its
 * protocol names (`names`): `flash_loan` (flash loan, flashloan), `bridge` (bridge, cross-chain;
 * in a name only the word Bridge), `price_manipulation`, `oracle`.
 */
export function techniqueTags(
  texts: readonly (string | null | undefined)[],
  names: readonly string[] = [],
): TechniqueTag[] {
  const text = texts.filter(Boolean).join(" | ");
  const tags: TechniqueTag[] = [];
  if (/flash[\s-]*loan/i.test(text)) tags.push("flash_loan");
  // Names only as a word: "Ronin Bridge" is a bridge, "BarnBridge" (a yield protocol) is not.
  if (/bridge|cross[\s-]*chain/i.test(text) || names.some((n) => /\bbridge\b/i.test(n)))
    tags.push("bridge");
  if (/price[\s-]*manipulation/i.test(text)) tags.push("price_manipulation");
  if (/oracle/i.test(text)) tags.push("oracle");
  return tags;
}

function severityOf(lossUsd: number | null): Severity {
  if (lossUsd === null) return "medium";
  return lossUsd >= 10_000_000 ? "critical" : lossUsd >= 1_000_000 ? "high" : "medium";
}

/**
 * An exploit incident as a correlation event, or null when it has no time of day (see
 * {@link incidentTime}) or is known only from Kamiyo's own findings (which the correlator reads
 * as findings already). Tags per {@link techniqueTags}.
 * @throws AppError `invalid_input` as {@link incidentTime} does.
 */
export function fromIncident(
  i: IncidentLike,
  opts: IncidentTimeOptions = {},
): CorrelationEvent | null {
  if (i.references.length > 0 && i.references.every((r) => r.source === "kamiyo")) return null;
  const at = incidentTime(i, opts);
  if (!at) return null;
  const usd = i.lossUsd !== null && Number.isFinite(i.lossUsd) && i.lossUsd >= 0 ? i.lossUsd : null;
  return {
    id: i.id,
    source: "incident",
    detector: null,
    kind: null,
    time: at.time,
    spanStart: at.time,
    protocol: protocolKey(i.protocol) || "unknown",
    venue: null,
    counterVenues: [],
    chains: [...i.chains],
    asset: null,
    category: "exploit",
    techniques: techniqueTags([i.classification, i.technique], [i.protocol, ...(i.aliases ?? [])]),
    technique: [i.classification, i.technique].filter(Boolean).join(": ") || null,
    usd,
    count: 1,
    aggregate: false,
    ref: null,
    severity: severityOf(usd),
    title: `${i.protocol} exploit${i.chains.length > 0 ? ` on ${i.chains.join(", ")}` : ""}`,
  };
}
