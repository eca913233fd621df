import { z } from "zod";

/**
 * The record/replay format (a stable interface): NDJSON, one object per line, ordered by `ts`
 * (epoch ms). Each line names its source (`src`); a product module says which sources its
 * recordings use and what kind of line each writes (`LineSources`):
 * - frames a server pushed, verbatim: `{ ts, src, msg }` (Hyperliquid's `hl.ws`);
 * - a request named by its `type` field and its verbatim answer:
 *   `{ ts, src, req: { type, … }, res, status? }` (`hl.info`);
 * - a REST request by path and query and its verbatim answer:
 *   `{ ts, src, req: { path, query? }, res, status? }` (`binance`, `coinbase`).
 * `status` is there when it was not 200. `meta` lines carry labels (for example
 * "reconstruction") and are not replayed.
 */
export type ReplayLine = FrameLine | TypedLine | RestLine | MetaLine;

export interface FrameLine {
  ts: number;
  src: string;
  msg: unknown;
}

export interface TypedLine {
  ts: number;
  src: string;
  req: InfoRequest;
  res: unknown;
  status?: number;
}

export interface RestLine {
  ts: number;
  src: string;
  req: RestRequest;
  res: unknown;
  status?: number;
}

export type MetaLine = { ts: number; src: "meta"; [key: string]: unknown };

export type InfoRequest = { type: string } & Record<string, unknown>;
export type RestRequest = { path: string; query?: Record<string, string> };

/** The sources a product line's recordings use, by the kind of line each writes. */
export interface LineSources {
  /** Frames a server pushed (`{ ts, src, msg }`). */
  readonly frames: readonly string[];
  /** Requests named by a `type` field (`{ ts, src, req: { type, … }, res }`). */
  readonly typed: readonly string[];
  /** REST requests by path and query (`{ ts, src, req: { path, query? }, res }`). */
  readonly rest: readonly string[];
}

/** True for a pushed frame. */
export function isFrame(line: ReplayLine): line is FrameLine {
  return "msg" in line && line.src !== "meta";
}

/** True for a request named by its `type`. */
export function isTyped(line: ReplayLine): line is TypedLine {
  const req = (line as { req?: unknown }).req;
  return line.src !== "meta" && typeof req === "object" && req !== null && "type" in req;
}

/** True for a REST request. */
export function isRest(line: ReplayLine): line is RestLine {
  const req = (line as { req?: unknown }).req;
  return line.src !== "meta" && typeof req === "object" && req !== null && "path" in req;
}

/** True for a `meta` line (labels, not replayed). */
export function isMeta(line: ReplayLine): line is MetaLine {
  return line.src === "meta";
}

const ts = z.number().int().nonnegative();
const status = z.number().int().min(100).max(599).optional();

/** The schema of every line a module's sources (and `meta`) may write. */
function lineSchema(sources: LineSources) {
  const oneOf = (srcs: readonly string[]) => z.string().refine((s) => srcs.includes(s));
  const options: z.ZodType[] = [z.looseObject({ ts, src: z.literal("meta") })];
  if (sources.frames.length > 0)
    options.push(
      z.object({
        ts,
        src: oneOf(sources.frames),
        msg: z.unknown().refine((m) => m !== undefined, "msg is required"),
      }),
    );
  if (sources.typed.length > 0)
    options.push(
      z.object({
        ts,
        src: oneOf(sources.typed),
        req: z.looseObject({ type: z.string().min(1) }),
        res: z.unknown(),
        status,
      }),
    );
  if (sources.rest.length > 0)
    options.push(
      z.object({
        ts,
        src: oneOf(sources.rest),
        req: z.object({
          path: z.string().startsWith("/"),
          query: z.record(z.string(), z.string()).optional(),
        }),
        res: z.unknown(),
        status,
      }),
    );
  return options;
}

export type ParsedLine =
  | { kind: "line"; line: ReplayLine }
  | { kind: "blank" }
  | { kind: "unknown-src"; src: string }
  | { kind: "error"; message: string };

/**
 * The parser of one line of a recording whose sources are `sources`; it never throws. A line is
 * checked against the schema of its source's kind, so an error names the field.
 */
export function lineParser(sources: LineSources): (text: string) => ParsedLine {
  const schemas = lineSchema(sources);
  const kindOf = new Map<string, z.ZodType>([["meta", schemas[0] as z.ZodType]]);
  let k = 1;
  for (const list of [sources.frames, sources.typed, sources.rest]) {
    if (list.length === 0) continue;
    for (const src of list) kindOf.set(src, schemas[k] as z.ZodType);
    k++;
  }
  return (text) => {
    if (text.trim() === "") return { kind: "blank" };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { kind: "error", message: "not valid JSON" };
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw))
      return { kind: "error", message: "line: expected a JSON object" };
    const src = "src" in raw ? raw.src : undefined;
    if (typeof src !== "string") return { kind: "error", message: "src: expected a string" };
    const schema = kindOf.get(src);
    if (!schema) return { kind: "unknown-src", src };
    const res = schema.safeParse(raw);
    if (!res.success) {
      const issue = res.error.issues[0];
      const where = issue?.path.length ? issue.path.join(".") : "line";
      return { kind: "error", message: `${where}: ${issue?.message ?? "invalid"}` };
    }
    return { kind: "line", line: res.data as ReplayLine };
  };
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
