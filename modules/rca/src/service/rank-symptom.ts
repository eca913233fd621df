import type { Db } from "@kamiyo/db";
import { rankCandidates } from "../analysis/rank.ts";
import type { Candidate, Symptom } from "../model.ts";
import { loadRcaInput } from "../store/load-input.ts";

/**
 * An RCA query on a tenant's stored graph (`POST /rca/analyses`): the input of the symptom's
 * window read from the store ({@link loadRcaInput}: the graph alive then, the metric series its
 * anomaly events rebuild) and ranked ({@link rankCandidates}), best first, every candidate.
 * @param db the tenant's view (`tenantDb`).
 */
export async function rankSymptom(db: Db, symptom: Symptom): Promise<Candidate[]> {
  const { input } = await loadRcaInput(db, symptom);
  return rankCandidates(input);
}
