import { AppError, type Severity } from "@kamiyo/core";
import { type FindingFilter, getFinding, listFindingsJson } from "@kamiyo/db";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";
import { type JsonText, pageBody } from "../json-body.ts";
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

/** The store's filter for a page of `input` (`limit` rows after `input.cursor`). */
export function findingFilter(input: ListEventsInput): FindingFilter {
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  return {
    severities: input.severity,
    detector: input.detector,
    subject: input.subject,
    status: input.status,
    since: input.since,
    until: input.until,
    before: before && { detectedAt: before.at, id: before.id },
    limit: input.limit,
  };
}

/** A page of findings, newest detection first, as its JSON body (built by the database). */
export async function listEvents(deps: ApiDeps, input: ListEventsInput): Promise<JsonText> {
  const page = await listFindingsJson(deps.db, deps.tenantId, findingFilter(input));
  return pageBody(
    page.items,
    page.next && encodeCursor({ at: page.next.detectedAt, id: page.next.id }),
  );
}

/** @throws AppError("not_found") for an id this tenant does not have. */
export async function getEvent(deps: ApiDeps, id: string): Promise<FindingJson> {
  const f = await getFinding(deps.db, deps.tenantId, id);
  if (!f) throw new AppError("not_found", `no finding with id ${id}`);
  return toFindingJson(f);
}
