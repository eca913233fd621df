import type { Queryable } from "@kamiyo/db";
import { readHistory } from "../../store/index.ts";
import { FeatureBuilder } from "./feature-builder.ts";
import type { FeatureRow } from "./feature-set.ts";

/**
 * The feature rows of stored history over [since, until): every bucket that ended by `until`
 * (gaps skipped, see FeatureBuilder).
 */
export async function featuresFromHistory(
  q: Queryable,
  tenantId: string,
  range: { since: number; until: number; bucketMs?: number },
): Promise<FeatureRow[]> {
  const builder = new FeatureBuilder({ bucketMs: range.bucketMs, lateMs: 0 });
  const rows: FeatureRow[] = [];
  for await (const r of readHistory(q, tenantId, range)) rows.push(...builder.add(r));
  rows.push(...builder.closeUntil(range.until));
  return rows;
}
