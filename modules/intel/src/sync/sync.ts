import { type Clock, describeError, type Logger, type Random, sleepOn } from "@kamiyo/core";
import type { Db, Queryable } from "@kamiyo/db";
import { type ImportResult, importRecords } from "../store/incidents.ts";
import type { ParseIssue, ParseResult, SourceId, SourceRecord } from "../types.ts";
import { fetchText } from "./fetch-text.ts";

/** A live source: where to fetch it and how to read it. */
export interface Feed {
  source: SourceId;
  /** One URL, or several pages (validators are kept only for a single URL). */
  urls: string[];
  headers?: Record<string, string>;
  parse(text: string, url: string): ParseResult;
}

/** One step of a sync, for a progress display. */
export type SyncProgress =
  | { source: SourceId; stage: "fetching"; url: string }
  | { source: SourceId; stage: "unchanged" }
  | { source: SourceId; stage: "parsed"; records: number; issues: number }
  | { source: SourceId; stage: "failed"; error: string };

export interface SyncOptions {
  timeoutMs: number;
  attempts: number;
  onProgress?: (p: SyncProgress) => void;
  /** Reports read locally rather than fetched (the monitor's own loss findings), imported with the rest. */
  local?: readonly SourceRecord[];
  /** Runs in the import's transaction (alerts about new and changed incidents). */
  afterImport?: (tx: Queryable, result: ImportResult) => Promise<void>;
}

export interface SyncResult {
  sources: {
    source: SourceId;
    status: "fresh" | "unchanged" | "failed";
    records: number;
    error: string | null;
  }[];
  issues: ParseIssue[];
  /** Null when no source had anything new. */
  import: ImportResult | null;
}

interface SourceState {
  etag: string | null;
  last_modified: string | null;
}

/**
 * Fetches every feed at once, each isolated (a failing or slow source never blocks the others,
 * and its stored reports stay), with conditional requests where the source allows, then imports
 * what was fresh in one transaction and records each source's health.
 */
export async function syncFeeds(
  db: Db,
  feeds: readonly Feed[],
  deps: { clock: Clock; random: Random; log: Logger },
  opts: SyncOptions,
): Promise<SyncResult> {
  const progress = opts.onProgress ?? (() => {});
  const states = new Map(
    (
      await db.query<SourceState & { source: SourceId }>(
        "SELECT source, etag, last_modified FROM intel_sources",
      )
    ).map((s) => [s.source, s]),
  );
  const outcomes = await Promise.all(
    feeds.map(async (feed) => {
      const single = feed.urls.length === 1;
      const state = single ? states.get(feed.source) : undefined;
      const records: SourceRecord[] = [];
      const issues: ParseIssue[] = [];
      let validators: SourceState = { etag: null, last_modified: null };
      try {
        for (const url of feed.urls) {
          progress({ source: feed.source, stage: "fetching", url });
          const got = await fetchText(url, {
            etag: state?.etag,
            lastModified: state?.last_modified,
            headers: feed.headers,
            timeoutMs: opts.timeoutMs,
            attempts: opts.attempts,
            backoff: { initialMs: 500, maxMs: 10_000, factor: 2 },
            random: deps.random,
            sleep: (ms) => sleepOn(deps.clock, ms),
          });
          if (got.kind === "unchanged") {
            progress({ source: feed.source, stage: "unchanged" });
            return {
              feed,
              status: "unchanged" as const,
              records,
              issues,
              error: null,
              validators: state ?? validators,
            };
          }
          if (got.kind === "failed") throw new Error(`${url}: ${got.error}`);
          validators = { etag: got.etag, last_modified: got.lastModified };
          const parsed = feed.parse(got.text, url);
          records.push(...parsed.records);
          issues.push(...parsed.issues);
        }
        progress({
          source: feed.source,
          stage: "parsed",
          records: records.length,
          issues: issues.length,
        });
        return { feed, status: "fresh" as const, records, issues, error: null, validators };
      } catch (err) {
        const error = describeError(err);
        deps.log.warn({ source: feed.source, err: error }, "intel source failed");
        progress({ source: feed.source, stage: "failed", error });
        return {
          feed,
          status: "failed" as const,
          records: [],
          issues,
          error,
          validators: state ?? validators,
        };
      }
    }),
  );
  const now = deps.clock.now();
  const fresh = [
    ...outcomes.filter((o) => o.status === "fresh").flatMap((o) => o.records),
    ...(opts.local ?? []),
  ];
  const result: SyncResult = {
    sources: outcomes.map((o) => ({
      source: o.feed.source,
      status: o.status,
      records: o.records.length,
      error: o.error,
    })),
    issues: outcomes.flatMap((o) => o.issues),
    import: fresh.length > 0 ? await importRecords(db, fresh, now, opts.afterImport) : null,
  };
  for (const o of outcomes) {
    await db.query(
      `INSERT INTO intel_sources (source, etag, last_modified, last_attempt_at, last_success_at, last_error, attempts, failures)
       VALUES ($1, $2, $3, $4::timestamptz, CASE WHEN $5::boolean THEN $4::timestamptz END, $6, 1,
         CASE WHEN $5::boolean THEN 0 ELSE 1 END)
       ON CONFLICT (source) DO UPDATE SET
         etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
         last_attempt_at = EXCLUDED.last_attempt_at,
         last_success_at = coalesce(EXCLUDED.last_success_at, intel_sources.last_success_at),
         last_error = EXCLUDED.last_error,
         attempts = intel_sources.attempts + 1,
         failures = intel_sources.failures + EXCLUDED.failures`,
      [
        o.feed.source,
        o.feed.urls.length === 1 ? o.validators.etag : null,
        o.feed.urls.length === 1 ? o.validators.last_modified : null,
        new Date(now),
        o.status !== "failed",
        o.error,
      ],
    );
  }
  return result;
}
