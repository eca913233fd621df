import type { Db } from "@kamiyo/db";
import { auditCheckpoints, auditRecordPages, type StoredAuditRecord } from "./read-records.ts";
import { auditGenesisHash, auditRecordHash } from "./record-hash.ts";

/** Why a record breaks the chain. */
export type AuditBreakReason =
  | "hash mismatch"
  | "prev_hash mismatch"
  | "gap in seq"
  | "checkpoint mismatch";

/** The outcome of verifying a tenant's chain. */
export interface AuditVerification {
  ok: boolean;
  /** Records read and found intact (before the first broken one). */
  records: number;
  /** The last intact record, or null when none was. */
  head: { seq: number; hash: string } | null;
  /**
   * The first broken record: for a gap, the first missing seq; for a checkpoint past the last
   * record (records deleted from the end), the checkpoint's seq.
   */
  firstBroken?: { seq: number; reason: AuditBreakReason };
}

/** A chain hash known at a seq: a stored checkpoint, or an anchor kept outside the database. */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/**
 * Verifies a tenant's audit chain: re-reads its records in seq order, a page at a time, and checks
 * that seq has no gap, each prev_hash is the previous record's hash (the genesis hash for seq 1),
 * each hash is the SHA-256 of the record's canonical JSON, and each checkpoint, and each of the
 * caller's `anchors` (hashes kept elsewhere), names the hash of its record.
 * @param opts.from start at the stored checkpoint of this seq (its record's link to the previous
 *   one is not checked; the checkpoint vouches for it) instead of at seq 1.
 * @throws Error when `from` names no stored checkpoint.
 */
export async function verifyAuditChain(
  db: Db,
  tenantId: string,
  opts: { from?: number; anchors?: readonly AuditAnchor[]; pageSize?: number } = {},
): Promise<AuditVerification> {
  const fromSeq = opts.from ?? 1;
  if (opts.from !== undefined) {
    const [cp] = await auditCheckpoints(db, tenantId, { afterSeq: fromSeq - 1, upToSeq: fromSeq });
    if (!cp) throw new Error(`no checkpoint at seq ${fromSeq}`);
  }
  const anchors = new Map<number, string>((opts.anchors ?? []).map((a) => [a.seq, a.hash]));
  let expected = fromSeq;
  let prevHash: string | null = opts.from === undefined ? auditGenesisHash(tenantId) : null;
  let records = 0;
  let head: AuditVerification["head"] = null;
  const broken = (seq: number, reason: AuditBreakReason): AuditVerification => ({
    ok: false,
    records,
    head,
    firstBroken: { seq, reason },
  });

  for await (const page of auditRecordPages(db, tenantId, {
    fromSeq,
    ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
  })) {
    const known = await knownHashes(db, tenantId, expected - 1, page, anchors);
    for (const r of page) {
      if (r.seq !== expected) return broken(expected, "gap in seq");
      if (prevHash !== null && r.prev_hash !== prevHash) return broken(r.seq, "prev_hash mismatch");
      if (auditRecordHash(r) !== r.hash) return broken(r.seq, "hash mismatch");
      if (known.get(r.seq)?.some((h) => h !== r.hash)) return broken(r.seq, "checkpoint mismatch");
      records += 1;
      head = { seq: r.seq, hash: r.hash };
      prevHash = r.hash;
      expected += 1;
    }
  }
  // A checkpoint or anchor past the last record: records were deleted from the end.
  const [past] = await auditCheckpoints(db, tenantId, { afterSeq: expected - 1 });
  const pastAnchor = Math.min(...[...anchors.keys()].filter((seq) => seq >= expected));
  const firstPast = Math.min(past?.seq ?? Number.POSITIVE_INFINITY, pastAnchor);
  if (Number.isFinite(firstPast)) return broken(firstPast, "checkpoint mismatch");
  return { ok: true, records, head };
}

/** The hashes the stored checkpoints and the anchors give for the seqs of `page`. */
async function knownHashes(
  db: Db,
  tenantId: string,
  afterSeq: number,
  page: readonly StoredAuditRecord[],
  anchors: ReadonlyMap<number, string>,
): Promise<Map<number, string[]>> {
  const upToSeq = page[page.length - 1]?.seq ?? afterSeq;
  const known = new Map<number, string[]>();
  const add = (seq: number, hash: string) => known.set(seq, [...(known.get(seq) ?? []), hash]);
  for (const cp of await auditCheckpoints(db, tenantId, { afterSeq, upToSeq }))
    add(cp.seq, cp.hash);
  for (const [seq, hash] of anchors) if (seq > afterSeq && seq <= upToSeq) add(seq, hash);
  return known;
}
