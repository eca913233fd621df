import { z } from "zod";

/**
 * The record/replay format (a stable interface): NDJSON, one object per line, ordered by `ts`
 * (epoch ms). `hl.ws` lines are frames the server pushed, verbatim; `hl.info`, `binance` and
 * `coinbase` lines are a request and its verbatim response (`status` when not 200).
 * `meta` lines carry labels (for example "reconstruction") and are not replayed.
 */
export type ReplayLine =
  | { ts: number; src: "hl.ws"; msg: unknown }
  | { ts: number; src: "hl.info"; req: InfoRequest; res: unknown; status?: number }
  | { ts: number; src: "binance" | "coinbase"; req: RestRequest; res: unknown; status?: number }
  | { ts: number; src: "meta"; [key: string]: unknown };

export type InfoRequest = { type: string } & Record<string, unknown>;
export type RestRequest = { path: string; query?: Record<string, string> };

export const KNOWN_SOURCES = ["hl.ws", "hl.info", "binance", "coinbase", "meta"] as const;

const ts = z.number().int().nonnegative();
const status = z.number().int().min(100).max(599).optional();
const lineSchema = z.discriminatedUnion("src", [
  z.object({
    ts,
    src: z.literal("hl.ws"),
    msg: z.unknown().refine((m) => m !== undefined, "msg is required"),
  }),
  z.object({
    ts,
    src: z.literal("hl.info"),
    req: z.looseObject({ type: z.string().min(1) }),
    res: z.unknown(),
    status,
  }),
  z.object({
    ts,
    src: z.enum(["binance", "coinbase"]),
    req: z.object({
      path: z.string().startsWith("/"),
      query: z.record(z.string(), z.string()).optional(),
    }),
    res: z.unknown(),
    status,
  }),
  z.looseObject({ ts, src: z.literal("meta") }),
]);

export type ParsedLine =
  | { kind: "line"; line: ReplayLine }
  | { kind: "blank" }
  | { kind: "unknown-src"; src: string }
  | { kind: "error"; message: string };

/** Parses one line of a replay file; never throws. */
export function parseLine(text: string): ParsedLine {
  if (text.trim() === "") return { kind: "blank" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { kind: "error", message: "not valid JSON" };
  }
  if (typeof raw === "object" && raw !== null && "src" in raw && typeof raw.src === "string") {
    if (!(KNOWN_SOURCES as readonly string[]).includes(raw.src))
      return { kind: "unknown-src", src: raw.src };
  }
  const res = lineSchema.safeParse(raw);
  if (!res.success) {
    const issue = res.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "line";
    return { kind: "error", message: `${where}: ${issue?.message ?? "invalid"}` };
  }
  return { kind: "line", line: res.data as ReplayLine };
}

/** JSON with object keys sorted at every depth: equal requests have equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
