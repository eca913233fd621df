import {
  createSilence,
  expireSilence,
  listSilences,
  MAX_SILENCE_MS,
  type Silence,
  type SilenceMatchers,
  silenceActive,
  silenceEndProblem,
} from "@kamiyo/alerts";
import { AppError } from "@kamiyo/core";
import { decodeCursor, encodeCursor } from "../cursor.ts";
import type { ApiDeps } from "../deps.ts";

/** Longest silence, minutes (30 days). */
export const MAX_SILENCE_MINUTES = MAX_SILENCE_MS / 60_000;

export interface SilenceJson {
  id: string;
  matchers: SilenceMatchers;
  comment: string;
  createdBy: string;
  startsAt: string;
  endsAt: string;
  createdAt: string;
  active: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();

function toSilenceJson(s: Silence, nowMs: number): SilenceJson {
  return {
    id: s.id,
    matchers: s.matchers,
    comment: s.comment,
    createdBy: s.createdBy,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    createdAt: iso(s.createdAt),
    active: silenceActive(s, nowMs),
  };
}

export interface CreateSilenceInput {
  matchers: SilenceMatchers;
  comment: string;
  durationMinutes?: number;
  /** Epoch ms. */
  endsAt?: number;
}

/**
 * Starts a silence now, for `durationMinutes` or until `endsAt`.
 * @throws AppError("invalid_input") when `endsAt` is not in the next 30 days.
 */
export async function startSilence(
  deps: ApiDeps,
  input: CreateSilenceInput,
  createdBy: string,
): Promise<SilenceJson> {
  const now = deps.clock.now();
  const endsAt =
    input.durationMinutes !== undefined ? now + input.durationMinutes * 60_000 : input.endsAt;
  const problem = endsAt === undefined ? "must be in the future" : silenceEndProblem(endsAt, now);
  if (problem || endsAt === undefined)
    throw new AppError("invalid_input", `body "endsAt": ${problem}`);
  const s = await createSilence(
    deps.db,
    {
      tenantId: deps.tenantId,
      matchers: input.matchers,
      comment: input.comment,
      createdBy,
      startsAt: now,
      endsAt,
    },
    now,
  );
  return toSilenceJson(s, now);
}

/** A page of silences, newest first; `active` keeps those in force now (true) or not (false). */
export async function silencesPage(
  deps: ApiDeps,
  input: { active?: boolean; limit: number; cursor?: string },
): Promise<{ data: SilenceJson[]; nextCursor: string | null }> {
  const now = deps.clock.now();
  const before = input.cursor ? decodeCursor(input.cursor) : undefined;
  const rows = await listSilences(deps.db, deps.tenantId, {
    activeAt: input.active === true ? now : undefined,
    inactiveAt: input.active === false ? now : undefined,
    limit: input.limit + 1,
    before: before && { createdAt: before.at, id: before.id },
  });
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  return {
    data: page.map((s) => toSilenceJson(s, now)),
    nextCursor:
      rows.length > input.limit && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}

/** Ends a silence now. @throws AppError("not_found") for an unknown id. */
export async function endSilence(deps: ApiDeps, id: string): Promise<void> {
  if (!(await expireSilence(deps.db, deps.tenantId, id, deps.clock.now())))
    throw new AppError("not_found", `no silence with id ${id}`);
}
