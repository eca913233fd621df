import type { Db } from "@kamiyo/db";
import { auditRecordPages, type StoredAuditRecord } from "../audit/read-records.ts";
import {
  BID_KIND,
  bidRecordBody,
  microsOf,
  OUTCOME_KIND,
  outcomeRecordBody,
} from "./audit-kinds.ts";
import type { OutcomePeriod } from "./billing-period.ts";

/** One client's period as the audit trail tells it. */
export interface ClientTotals {
  clientId: string;
  /** Σ spendMicros of its `bid` records in the period (by the record's time). */
  spendMicros: bigint;
  /** Σ ltvMicros of its `outcome` records in the period (by `occurredAt`). */
  ltvMicros: bigint;
  bids: number;
  outcomes: number;
  /** The first and last seq of the records counted (null: none). */
  firstSeq: number | null;
  lastSeq: number | null;
}

/** Every client's totals for a period, and the part of the chain they were read from. */
export interface PeriodTotals {
  clients: Map<string, ClientTotals>;
  /** The last record read (the chain's head then), or null for an empty chain. */
  through: { seq: number; hash: string } | null;
}

/** A client's totals before any record is counted (or when it has none in the period). */
export const noTotals = (clientId: string): ClientTotals => ({
  clientId,
  spendMicros: 0n,
  ltvMicros: 0n,
  bids: 0,
  outcomes: 0,
  firstSeq: null,
  lastSeq: null,
});

/**
 * Sums the period's spend (`bid` records) and value (`outcome` records) per client from the
 * tenant's audit trail, up to `upToSeq` (default: the head), reading it a page at a time.
 * Other kinds are passed over. A `bid` or `outcome` record whose body is not of its kind's shape
 * stops the sum: a bill is not made from records it cannot read.
 * @throws Error naming the record's seq and the field.
 */
export async function periodTotals(
  db: Db,
  tenantId: string,
  period: OutcomePeriod,
  opts: { upToSeq?: number; clientId?: string } = {},
): Promise<PeriodTotals> {
  const clients = new Map<string, ClientTotals>();
  let through: PeriodTotals["through"] = null;
  const totalsOf = (clientId: string) => {
    let t = clients.get(clientId);
    if (!t) {
      t = noTotals(clientId);
      clients.set(clientId, t);
    }
    return t;
  };
  const count = (t: ClientTotals, seq: number) => {
    t.firstSeq ??= seq;
    t.lastSeq = seq;
  };
  for await (const page of auditRecordPages(db, tenantId)) {
    for (const r of page) {
      if (opts.upToSeq !== undefined && r.seq > opts.upToSeq) return { clients, through };
      through = { seq: r.seq, hash: r.hash };
      const b = billableOf(r);
      if (!b || b.atMs < period.start || b.atMs >= period.end) continue;
      if (opts.clientId !== undefined && b.clientId !== opts.clientId) continue;
      const t = totalsOf(b.clientId);
      t.spendMicros += b.spendMicros;
      t.ltvMicros += b.ltvMicros;
      if (b.kind === BID_KIND) t.bids++;
      else t.outcomes++;
      count(t, r.seq);
    }
  }
  return { clients, through };
}

/** What a `bid` or `outcome` record adds to its client's period, or null for other kinds. */
export interface Billable {
  kind: typeof BID_KIND | typeof OUTCOME_KIND;
  clientId: string;
  /** When it counts: a bid's record time, an outcome's `occurredAt` (epoch ms). */
  atMs: number;
  spendMicros: bigint;
  ltvMicros: bigint;
}

/**
 * What a record adds to its client's billing, or null for a kind billing does not read.
 * @throws Error naming the record's seq and the field of a body not of its kind's shape.
 */
export function billableOf(r: StoredAuditRecord): Billable | null {
  if (r.kind === BID_KIND) {
    const body = parseBody(bidRecordBody, r.body, r.seq, r.kind);
    return {
      kind: BID_KIND,
      clientId: body.clientId,
      atMs: Date.parse(r.at),
      spendMicros: microsOf(body.spendMicros),
      ltvMicros: 0n,
    };
  }
  if (r.kind === OUTCOME_KIND) {
    const body = parseBody(outcomeRecordBody, r.body, r.seq, r.kind);
    return {
      kind: OUTCOME_KIND,
      clientId: body.clientId,
      atMs: Date.parse(body.occurredAt),
      spendMicros: 0n,
      ltvMicros: microsOf(body.ltvMicros),
    };
  }
  return null;
}

function parseBody<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  body: unknown,
  seq: number,
  kind: string,
): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(
    `audit record ${seq} (${kind}): ${issue?.path.map(String).join(".") || "body"}: ${issue?.message}`,
  );
}
