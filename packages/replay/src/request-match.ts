import { canonicalJson, type InfoRequest } from "./format.ts";

/** Time-range requests: matched without their range, answered with the items inside it. */
const RANGE_TYPES: Record<string, { timeField: string; nested: boolean }> = {
  userFillsByTime: { timeField: "time", nested: false },
  userFunding: { timeField: "time", nested: false },
  userNonFundingLedgerUpdates: { timeField: "time", nested: false },
  fundingHistory: { timeField: "time", nested: false },
  candleSnapshot: { timeField: "t", nested: true },
};

const RANGE_FIELDS = new Set(["startTime", "endTime"]);

function isDefault(v: unknown): boolean {
  return v === "" || v === null || v === false || v === undefined;
}

/** The request without its time range (for range types), as compared for matching. */
export function matchableRequest(req: InfoRequest): InfoRequest {
  const range = RANGE_TYPES[req.type];
  if (!range) return req;
  const strip = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !RANGE_FIELDS.has(k)));
  if (range.nested && typeof req.req === "object" && req.req !== null) {
    return { ...req, req: strip(req.req as Record<string, unknown>) } as InfoRequest;
  }
  return strip(req) as InfoRequest;
}

/**
 * Whether an incoming info request matches a recorded one: every field both carry is equal
 * (canonical JSON), and a field only one side carries holds its default value (`"dex": ""`,
 * null, false), so a request for another dex or another aggregation never gets this answer.
 * The user of vaultDetails only adds follower state, so it is ignored with any value.
 */
export function requestsMatch(incoming: InfoRequest, recorded: InfoRequest): boolean {
  if (incoming.type !== recorded.type) return false;
  const a = matchableRequest(incoming) as Record<string, unknown>;
  const b = matchableRequest(recorded) as Record<string, unknown>;
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const inA = key in a && a[key] !== undefined;
    const inB = key in b && b[key] !== undefined;
    if (inA && inB) {
      if (canonicalJson(a[key]) !== canonicalJson(b[key])) return false;
      continue;
    }
    const value = inA ? a[key] : b[key];
    const ignorable = isDefault(value) || (key === "user" && incoming.type === "vaultDetails");
    if (!ignorable) return false;
  }
  return true;
}

/** For a range request, the recorded items inside the requested range; otherwise the response unchanged. */
export function applyRange(req: InfoRequest, res: unknown): unknown {
  const range = RANGE_TYPES[req.type];
  if (!range || !Array.isArray(res)) return res;
  const src = (range.nested ? req.req : req) as Record<string, unknown> | undefined;
  const start = typeof src?.startTime === "number" ? src.startTime : Number.NEGATIVE_INFINITY;
  const end = typeof src?.endTime === "number" ? src.endTime : Number.POSITIVE_INFINITY;
  return res.filter((item) => {
    const t = (item as Record<string, unknown> | null)?.[range.timeField];
    return typeof t !== "number" || (t >= start && t <= end);
  });
}
