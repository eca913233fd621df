import { type ApiDeps, cursorParam, errorResponses, limitParam, type ZodApp } from "@kamiyo/api";
import { AppError } from "@kamiyo/core";
import { z } from "zod";
import { auditCheckpoints, latestAuditRecords } from "../audit/read-records.ts";
import { verifyAuditChain } from "../audit/verify.ts";

const recordSchema = z.object({
  seq: z.number().int(),
  kind: z.string().describe("What the record is: decision, bid, outcome…"),
  at: z.string(),
  body: z.unknown().describe("The record as appended (a decision's inputs, verdict and reasons…)"),
  prevHash: z.string().describe("The previous record's hash (the tenant's genesis hash for seq 1)"),
  hash: z.string().describe("SHA-256 of the record's RFC 8785 canonical JSON"),
});

const checkpointSchema = z.object({
  seq: z.number().int(),
  hash: z.string().describe("The chain's hash at seq: keep it outside Kamiyo as an anchor"),
  at: z.string(),
});

const verificationSchema = z.object({
  ok: z.boolean(),
  records: z.number().int().describe("Records read and found intact"),
  from: z.number().int().describe("The seq verification started at"),
  head: z.object({ seq: z.number().int(), hash: z.string() }).nullable(),
  firstBroken: z
    .object({
      seq: z.number().int(),
      reason: z.enum(["hash mismatch", "prev_hash mismatch", "gap in seq", "checkpoint mismatch"]),
    })
    .nullable(),
  checkedAt: z.string(),
  durationMs: z.number().int(),
});

/**
 * The audit trail over HTTP: its records newest first, its checkpoints (anchors to keep
 * elsewhere), and a verification of the chain run on request (`kamiyo shield audit verify`'s).
 */
export function auditRoutes(app: ZodApp, deps: ApiDeps): void {
  // The store's functions take the tenant and run as it, under row-level security (tenantDb).
  const db = deps.requestDb ?? deps.db;
  app.get(
    "/shield/audit/records",
    {
      schema: {
        tags: ["shield"],
        summary: "The tenant's audit trail, newest first",
        querystring: z.object({
          kind: z.string().max(64).optional().describe("Only records of this kind"),
          cursor: cursorParam.regex(/^[0-9]{1,16}$/, "expected a page's nextCursor").optional(),
          limit: limitParam(500, 100),
        }),
        response: {
          200: z.object({ data: z.array(recordSchema), nextCursor: z.string().nullable() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const page = await latestAuditRecords(db, req.ctx.tenantId, {
        limit: req.query.limit,
        before: req.query.cursor ? Number(req.query.cursor) : undefined,
        kind: req.query.kind,
      });
      return {
        data: page.items.map(({ prev_hash, ...r }) => ({ ...r, prevHash: prev_hash })),
        nextCursor: page.nextCursor === null ? null : String(page.nextCursor),
      };
    },
  );

  app.get(
    "/shield/audit/checkpoints",
    {
      schema: {
        tags: ["shield"],
        summary: "The chain's checkpoints, oldest first: the anchors to keep outside Kamiyo",
        response: { 200: z.object({ data: z.array(checkpointSchema) }), ...errorResponses },
      },
    },
    async (req) => ({
      data: await auditCheckpoints(db, req.ctx.tenantId),
    }),
  );

  app.post(
    "/shield/audit/verifications",
    {
      // Reads the chain, changes nothing.
      config: { scope: "read", audit: false },
      schema: {
        tags: ["shield"],
        summary: "Verify the tenant's audit chain now, naming the first broken record",
        description:
          "Re-reads the records in order and recomputes every hash, checking each link and checkpoint (about 37,000 records a second on the embedded database). `fromCheckpoint` starts at a stored checkpoint instead of seq 1.",
        body: z
          .strictObject({
            fromCheckpoint: z
              .number()
              .int()
              .min(1)
              .optional()
              .describe("The seq of a stored checkpoint to start at"),
          })
          .nullish()
          .describe("Optional: without a body, the whole chain"),
        response: { 200: verificationSchema, ...errorResponses },
      },
    },
    async (req) => {
      const from = req.body?.fromCheckpoint;
      const started = performance.now();
      let v: Awaited<ReturnType<typeof verifyAuditChain>>;
      try {
        v = await verifyAuditChain(db, req.ctx.tenantId, from === undefined ? {} : { from });
      } catch (err) {
        if (err instanceof Error && err.message.startsWith("no checkpoint at seq"))
          throw new AppError("invalid_input", `body "fromCheckpoint": ${err.message}`);
        throw err;
      }
      return {
        ok: v.ok,
        records: v.records,
        from: from ?? 1,
        head: v.head,
        firstBroken: v.firstBroken ?? null,
        checkedAt: new Date(deps.clock.now()).toISOString(),
        durationMs: Math.round(performance.now() - started),
      };
    },
  );
}
