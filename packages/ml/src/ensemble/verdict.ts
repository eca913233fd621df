import { AppError } from "@kamiyo/core";
import { type EnsembleSeverity, ensembleSeverity } from "./severity.ts";

/** Nominal vote weights (PRODUCT.md); renormalised over the members present. */
export const ENSEMBLE_WEIGHTS = { iforest: 0.4, ocsvm: 0.3, rf: 0.3 } as const;

/** What one member says about one row. */
export interface MemberVerdict {
  /**
   * The member's own score: Isolation Forest s in (0, 1] (higher = more anomalous), One-Class
   * SVM decision value (negative = outside the learnt support), Random Forest probability of the
   * anomalous class.
   */
  score: number;
  /** Anomalous by the member's own threshold: s > IF threshold, decision < 0, probability ≥ 0.5. */
  vote: boolean;
  /** Calibrated confidence in [0, 1] that the row is anomalous; 0.5 at the member's threshold. */
  confidence: number;
}

/** The ensemble's verdict on one row. */
export interface EnsembleVerdict {
  /** Weighted mean of the member confidences, in [0, 1]. */
  confidence: number;
  /** Members voting anomalous, out of the members present (2 or 3). */
  agreement: { anomalous: number; of: number };
  members: { iforest: MemberVerdict; ocsvm: MemberVerdict; rf?: MemberVerdict };
  severity: EnsembleSeverity;
}

/** Member weights in use (summing to 1); `rf` is absent when the forest was skipped. */
export interface EnsembleWeights {
  iforest: number;
  ocsvm: number;
  rf?: number;
}

/**
 * Nominal weights renormalised over the members present: with the forest 0.4 / 0.3 / 0.3, without
 * it 0.4 / 0.7 and 0.3 / 0.7 (≈ 0.571 / 0.429), keeping the IF : OCSVM ratio.
 */
export function ensembleWeights(withRf: boolean): EnsembleWeights {
  if (withRf) return { ...ENSEMBLE_WEIGHTS };
  const total = ENSEMBLE_WEIGHTS.iforest + ENSEMBLE_WEIGHTS.ocsvm;
  return { iforest: ENSEMBLE_WEIGHTS.iforest / total, ocsvm: ENSEMBLE_WEIGHTS.ocsvm / total };
}

/** Combines member verdicts: weighted confidence, agreement, severity. */
export function combineVerdicts(
  members: EnsembleVerdict["members"],
  weights: EnsembleWeights,
): EnsembleVerdict {
  const present: [MemberVerdict, number][] = [
    [members.iforest, weights.iforest],
    [members.ocsvm, weights.ocsvm],
  ];
  if (members.rf !== undefined) {
    if (weights.rf === undefined)
      throw new AppError("internal", "ensemble: rf verdict without rf weight");
    present.push([members.rf, weights.rf]);
  }
  let weighted = 0;
  let total = 0;
  let anomalous = 0;
  for (const [verdict, w] of present) {
    weighted += w * verdict.confidence;
    total += w;
    if (verdict.vote) anomalous++;
  }
  const confidence = weighted / total;
  const of = present.length;
  return {
    confidence,
    agreement: { anomalous, of },
    members,
    severity: ensembleSeverity(confidence, anomalous, of),
  };
}
