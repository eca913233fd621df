import { AppError, type Severity } from "@kamiyo/core";
import { getFinding, listFindings } from "@kamiyo/db";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";
import { type FindingJson, toFindingJson } from "../schemas/common.ts";

export interface ListEventsInput {
  severity?: Severity[];
  detector?: string;
  subject?: string;
  status?: "open" | "resolved";
  since?: number;
  until?: number;
  cursor?: string;
  limit: number;
}

/** A page of findings, newest detection first. */
export async function listEvents(
  deps: ApiDeps,
  input: ListEventsInput,
): Promise<{ data: FindingJson[]; nextCursor: string | null }> {
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listFindings(deps.db, deps.tenantId, {
    severities: input.severity,
    detector: input.detector,
    subject: input.subject,
    status: input.status,
    since: input.since,
    until: input.until,
    before: before && { detectedAt: before.at, id: before.id },
    limit: input.limit + 1,
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    data: page.map(toFindingJson),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor({ at: last.detectedAt, id: last.id }) : null,
  };
}

/** @throws AppError("not_found") for an id this tenant does not have. */
export async function getEvent(deps: ApiDeps, id: string): Promise<FindingJson> {
  const f = await getFinding(deps.db, deps.tenantId, id);
  if (!f) throw new AppError("not_found", `no finding with id ${id}`);
  return toFindingJson(f);
}
