/** Basis points in one (100 %, or a ROAS of 1.0). */
export const BPS = 10_000n;
/** Micros in a cent. */
const MICROS_PER_CENT = 10_000n;

/**
 * `n / d` rounded half up, i.e. to the nearest integer with halves away from zero (the bill's
 * rounding rule: 0.5 ¢ is 1 ¢, −0.5 ¢ is −1 ¢). Exact: bigint throughout.
 * @throws RangeError when `d` is not > 0.
 */
export function divHalfUp(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError(`divisor: expected > 0, got ${d}`);
  if (n < 0n) return -divHalfUp(-n, d);
  return (2n * n + d) / (2n * d);
}

/** What a client's period is billed from. */
export interface OutcomeInputs {
  /** Σ spend of the period's bids, integer micros (≥ 0). */
  spendMicros: bigint;
  /** Σ lifetime value of the period's outcomes, integer micros (≥ 0). */
  ltvMicros: bigint;
  /** The ROAS the client would have had without Shield, in basis points (3.0 → 30000; > 0). */
  baselineRoasBps: number;
  /** Shield's share of the additional revenue, basis points (15 % → 1500; 0…10000). */
  shareBps: number;
}

/** The outcome of a period and what it earns. */
export interface OutcomeEarnings {
  /** KIKI ROAS = LTV / spend, basis points rounded half up; null without spend. */
  roasBps: bigint | null;
  /** (ROAS − baseline) / baseline, basis points rounded half up (49 % → 4900); null without spend. */
  marginImprovementBps: bigint | null;
  /** (ROAS − baseline) × spend = LTV − baseline × spend, cents rounded half up (may be < 0). */
  additionalRevenueCents: bigint;
  /** share × additional revenue, cents rounded half up once from the exact product; 0 when the additional revenue is ≤ 0 or there was no spend. */
  earningsCents: bigint;
}

/**
 * The outcome billing formulas (PRODUCT.md §7) in exact integer arithmetic: the additional revenue
 * is kept exact in micros × 10⁻⁴ (LTV × 10⁴ − baseline bps × spend) and each figure is rounded
 * once, half up, at the end, so spend $1,000, baseline 3.0 and ROAS 4.47 earn exactly 22050 ¢ at
 * 15 %. A period without spend earns nothing (there was no governed bidding to credit).
 * @throws RangeError for negative money, a baseline ≤ 0 or a share outside 0…10000 bps.
 */
export function outcomeEarnings(i: OutcomeInputs): OutcomeEarnings {
  if (i.spendMicros < 0n) throw new RangeError(`spendMicros: expected ≥ 0, got ${i.spendMicros}`);
  if (i.ltvMicros < 0n) throw new RangeError(`ltvMicros: expected ≥ 0, got ${i.ltvMicros}`);
  if (!Number.isSafeInteger(i.baselineRoasBps) || i.baselineRoasBps <= 0)
    throw new RangeError(`baselineRoasBps: expected a whole number > 0, got ${i.baselineRoasBps}`);
  if (!Number.isSafeInteger(i.shareBps) || i.shareBps < 0 || i.shareBps > 10_000)
    throw new RangeError(`shareBps: expected a whole number 0…10000, got ${i.shareBps}`);
  const baseline = BigInt(i.baselineRoasBps);
  // Additional revenue in micros × 10⁻⁴ (one basis point of a micro): exact.
  const additional = i.ltvMicros * BPS - baseline * i.spendMicros;
  const additionalRevenueCents = divHalfUp(additional, BPS * MICROS_PER_CENT);
  if (i.spendMicros === 0n)
    return {
      roasBps: null,
      marginImprovementBps: null,
      additionalRevenueCents,
      earningsCents: 0n,
    };
  const earningsCents =
    additional > 0n ? divHalfUp(additional * BigInt(i.shareBps), BPS * BPS * MICROS_PER_CENT) : 0n;
  return {
    roasBps: divHalfUp(i.ltvMicros * BPS, i.spendMicros),
    marginImprovementBps: divHalfUp(additional * BPS, baseline * i.spendMicros),
    additionalRevenueCents,
    earningsCents,
  };
}
