import { type ApiDeps, type JsonText, pageBody } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { countFindings } from "@kamiyo/db";
import {
  getIncident,
  type Incident,
  type IncidentFilter,
  type IncidentPosition,
  type IncidentSort,
  incidentStats,
  incidentsByChain,
  listIncidentPageJson,
  type SourceRankings,
  sourceRankings,
} from "../index.ts";

/** An incident as the API returns it: the merged fields and each report, plus the distinct sources. */
export type IncidentJson = Incident & { sources: string[] };

export function toIncidentJson(i: Incident): IncidentJson {
  return { ...i, sources: [...new Set(i.references.map((r) => r.source))] };
}

const DAY_MS = 86_400_000;

/**
 * The first day whose midnight (UTC) is at or after `ms`: an incident counts as happening at the
 * start of its day, so `since` includes it from that moment and `until` excludes it from then.
 */
function dayAtOrAfter(ms: number): string {
  return new Date(Math.ceil(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Opaque page cursors (base64url): the sort, then the last incident's date or USD loss (`n` for
 * none), then its id. A cursor only pages the sort that issued it.
 */
export function encodeIncidentCursor(p: IncidentPosition): string {
  const at = p.sort === "date" ? p.date : p.lossUsd === null ? "n" : String(p.lossUsd);
  return Buffer.from(`${p.sort === "date" ? "d" : "a"}~${at}~${p.id}`).toString("base64url");
}

/** @throws AppError("invalid_input") naming `cursor` for a cursor not issued for `sort`. */
export function decodeIncidentCursor(text: string, sort: IncidentSort): IncidentPosition {
  const bad = (why: string) => new AppError("invalid_input", `query parameter "cursor": ${why}`);
  const raw = Buffer.from(text, "base64url").toString("utf8");
  const m = /^([da])~([^~]{1,40})~(exp_[A-Za-z0-9_]{1,140})$/.exec(raw);
  if (!m) throw bad("not a cursor issued by this API");
  const [, kind, at, id] = m as unknown as [string, string, string, string];
  const cursorSort: IncidentSort = kind === "d" ? "date" : "amount";
  if (cursorSort !== sort) throw bad(`a cursor of sort=${cursorSort} cannot page sort=${sort}`);
  if (cursorSort === "date") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(at) || Number.isNaN(Date.parse(at)))
      throw bad("not a cursor issued by this API");
    return { sort: "date", date: at, id };
  }
  if (at === "n") return { sort: "amount", lossUsd: null, id };
  const loss = Number(at);
  if (!/^-?[0-9.e+-]+$/.test(at) || !Number.isFinite(loss))
    throw bad("not a cursor issued by this API");
  return { sort: "amount", lossUsd: loss, id };
}

export interface ListExploitsInput {
  chain?: string[];
  protocol?: string;
  category?: string;
  minAmount?: number;
  maxAmount?: number;
  since?: number;
  until?: number;
  source?: string;
  sort: IncidentSort;
  limit: number;
  cursor?: string;
}

/** A page of incidents merged from every source, newest or largest first, as its JSON body. */
export async function listExploits(deps: ApiDeps, input: ListExploitsInput): Promise<JsonText> {
  const filter: IncidentFilter = {
    chains: input.chain,
    protocol: input.protocol,
    category: input.category,
    minAmount: input.minAmount,
    maxAmount: input.maxAmount,
    since: input.since === undefined ? undefined : dayAtOrAfter(input.since),
    until: input.until === undefined ? undefined : dayAtOrAfter(input.until),
    source: input.source,
  };
  const after = input.cursor ? decodeIncidentCursor(input.cursor, input.sort) : undefined;
  const page = await listIncidentPageJson(deps.db, filter, {
    sort: input.sort,
    limit: input.limit,
    after,
  });
  return pageBody(page.items, page.next ? encodeIncidentCursor(page.next) : null);
}

/** @throws AppError("not_found") when no incident has this id or transaction. */
export async function getExploit(deps: ApiDeps, idOrTx: string): Promise<IncidentJson> {
  const incident = await getIncident(deps.db, idOrTx);
  if (!incident)
    throw new AppError(
      "not_found",
      idOrTx.startsWith("exp_")
        ? `no incident with id ${idOrTx}`
        : `no incident with transaction ${idOrTx}`,
    );
  return toIncidentJson(incident);
}

/** Incident totals for `/stats`: over the last `days`, or all incidents. */
export async function exploitStats(deps: ApiDeps, days: number | undefined) {
  return incidentStats(deps.db, days, deps.clock.now());
}

export async function rankings(deps: ApiDeps): Promise<SourceRankings> {
  return sourceRankings(deps.db, deps.clock.now());
}

/**
 * The chains this install monitors (`ApiDeps.monitoredChains`; the open-source monitor:
 * Hyperliquid), then every chain exploit incidents were reported on (not monitored, so without
 * findings); each with its incident count and summed USD loss. Findings carry no chain yet: a
 * monitored chain counts the install's findings.
 */
export async function chains(deps: ApiDeps) {
  const since = deps.clock.now() - 30 * 86_400_000;
  const [counts, intel] = await Promise.all([
    countFindings(deps.db, deps.tenantId, since),
    incidentsByChain(deps.db),
  ]);
  const exploitsOn = (name: string) => {
    const c = intel.find((i) => i.chain.toLowerCase() === name.toLowerCase());
    return { incidents: c?.incidents ?? 0, lossUsd: c?.lossUsd ?? 0 };
  };
  const monitored = deps.monitoredChains ?? [];
  const isMonitored = (name: string) =>
    monitored.some((m) => m.name.toLowerCase() === name.toLowerCase());
  return [
    ...monitored.map((m) => ({
      chain: m.chain,
      name: m.name,
      monitored: true,
      findings30d: counts.reduce((a, c) => a + c.count, 0),
      openFindings: counts.filter((c) => c.status === "open").reduce((a, c) => a + c.count, 0),
      exploits: exploitsOn(m.name),
    })),
    ...intel
      .filter((i) => !isMonitored(i.chain))
      .map((i) => ({
        chain: i.chain.toLowerCase(),
        name: i.chain,
        monitored: false,
        findings30d: 0,
        openFindings: 0,
        exploits: { incidents: i.incidents, lossUsd: i.lossUsd },
      })),
  ];
}
