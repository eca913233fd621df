import { DEFAULT_RANK, type RankOptions, rankCandidates } from "../analysis/rank.ts";
import { buildGraph, type RcaGraph } from "../ingest/build-graph.ts";
import type { Candidate, FaultType, Symptom } from "../model.ts";
import type { NezhaCase, NezhaDay } from "./load-day.ts";

/** Service-level accuracy over a set of cases (fractions 0–1). */
export interface Accuracy {
  readonly cases: number;
  readonly ac1: number;
  readonly ac3: number;
  readonly ac5: number;
  /** Mean of AC@1..AC@5. */
  readonly avg5: number;
  readonly byFaultType: Record<string, { cases: number; ac1: number; ac3: number }>;
}

/** One case's answer. */
export interface CaseResult {
  readonly case: NezhaCase;
  /** 1-based rank of the true service; 0 when it is not ranked at all. */
  readonly rank: number;
  readonly top: readonly Candidate[];
  /** The true service's candidate, when it was ranked. */
  readonly truth?: Candidate;
}

/** The RCA query asked per fault. */
export interface EvaluateOptions {
  readonly rank: RankOptions;
  /** Minutes after the injection that form the symptom window. Default 5. */
  readonly windowMinutes: number;
  /** Name the day's entry service as the symptom's service (the causal path ends there). Default true. */
  readonly entrySymptom: boolean;
}

export const DEFAULT_EVALUATE: EvaluateOptions = {
  rank: DEFAULT_RANK,
  windowMinutes: 5,
  entrySymptom: true,
};

/** The day's graph as the ingest path builds it from its remote-write series and CALLS edges. */
export function graphOfDay(day: NezhaDay): RcaGraph {
  return buildGraph(day);
}

/**
 * Asks one RCA query per case (symptom: `[injectAt, injectAt + windowMinutes)`, at the entry
 * service) over the day's graph and returns each true service's rank.
 */
export function runCases(
  day: NezhaDay,
  graph: RcaGraph = graphOfDay(day),
  options: EvaluateOptions = DEFAULT_EVALUATE,
  cases: readonly NezhaCase[] = day.cases,
): CaseResult[] {
  return cases.map((c) =>
    caseResult(c, rankCandidates({ ...graph, symptom: symptomOf(day, c, options) }, options.rank)),
  );
}

/** The RCA query asked for a case: `[injectAt, injectAt + windowMinutes)`, at the entry service. */
export function symptomOf(
  day: NezhaDay,
  c: NezhaCase,
  options: Pick<EvaluateOptions, "windowMinutes" | "entrySymptom"> = DEFAULT_EVALUATE,
): Symptom {
  return {
    from: c.injectAt,
    to: c.injectAt + options.windowMinutes * 60_000,
    ...(options.entrySymptom && day.entryService ? { service: day.entryService } : {}),
  };
}

/** A case's result from the ranked candidates of its query. */
export function caseResult(c: NezhaCase, ranked: readonly Candidate[]): CaseResult {
  const rank = ranked.findIndex((x) => x.service === c.service) + 1;
  const truth = ranked[rank - 1];
  return { case: c, rank, top: ranked.slice(0, 5), ...(truth ? { truth } : {}) };
}

/** AC@1, AC@3, AC@5, Avg@5 and AC@1/AC@3 per fault type from case results. */
export function accuracy(results: readonly CaseResult[]): Accuracy {
  const n = results.length;
  const ac = (k: number, rs: readonly CaseResult[] = results) =>
    rs.length === 0 ? 0 : rs.filter((r) => r.rank >= 1 && r.rank <= k).length / rs.length;
  const byFaultType: Accuracy["byFaultType"] = {};
  for (const type of [...new Set(results.map((r) => r.case.faultType))].sort()) {
    const rs = results.filter((r) => r.case.faultType === type);
    byFaultType[type] = { cases: rs.length, ac1: ac(1, rs), ac3: ac(3, rs) };
  }
  return {
    cases: n,
    ac1: ac(1),
    ac3: ac(3),
    ac5: ac(5),
    avg5: [1, 2, 3, 4, 5].reduce((s, k) => s + ac(k), 0) / 5,
    byFaultType,
  };
}

/**
 * The development split: cases injected in the first half of the day's fault hours (tuning) and
 * the rest (held out). Splitting by time, not at random, keeps a fault's neighbours out of the
 * other half.
 */
export function splitByHour(cases: readonly NezhaCase[]): {
  tune: NezhaCase[];
  holdOut: NezhaCase[];
} {
  const hours = [...new Set(cases.map((c) => c.hour))].sort();
  const firstHalf = new Set(hours.slice(0, Math.ceil(hours.length / 2)));
  return {
    tune: cases.filter((c) => firstHalf.has(c.hour)),
    holdOut: cases.filter((c) => !firstHalf.has(c.hour)),
  };
}

/** Nezha's fault types as the analysis names them. */
export const NEZHA_FAULT_TYPES: Readonly<Record<string, FaultType>> = {
  cpu_contention: "cpu",
  cpu_consumed: "cpu",
  network_delay: "network_delay",
  return: "error",
  exception: "error",
};

/** Share of cases whose true service was ranked with the fault type the injection had. */
export function faultTypeAccuracy(results: readonly CaseResult[]): number {
  if (results.length === 0) return 0;
  const right = results.filter((r) => r.truth?.faultType === NEZHA_FAULT_TYPES[r.case.faultType]);
  return right.length / results.length;
}
