import { AppError, type Severity } from "@kamiyo/core";
import { getFinding, listFindingsJson } from "@kamiyo/db";
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

/** A page of findings, newest detection first, as its JSON body (built by the database). */
export async function listEvents(deps: ApiDeps, input: ListEventsInput): Promise<JsonText> {
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const page = await listFindingsJson(deps.db, deps.tenantId, {
    severities: input.severity,
    detector: input.detector,
    subject: input.subject,
    status: input.status,
    since: input.since,
    until: input.until,
    before: before && { detectedAt: before.at, id: before.id },
    limit: input.limit,
  });
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
