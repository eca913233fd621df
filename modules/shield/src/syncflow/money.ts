/** Micros in one currency unit: amounts are integer micros end to end (Google Ads' unit). */
export const MICROS_PER_UNIT = 1_000_000;

/**
 * Currencies whose minor unit, as the Meta Marketing API counts bids and budgets, is the
 * currency unit itself (Meta's "offset" 1: ¥100 is sent as 100); every other currency has
 * offset 100 (cents: $1.50 is sent as 150). From Meta's list of supported currencies.
 */
const OFFSET_ONE = new Set([
  "CLP",
  "COP",
  "CRC",
  "HUF",
  "IDR",
  "ISK",
  "JPY",
  "KRW",
  "PYG",
  "TWD",
  "VND",
]);

/** Micros in one of the account currency's minor units as Meta counts them (10,000 for USD). */
export function microsPerMinorUnit(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency))
    throw new RangeError(`currency: expected an ISO 4217 code like USD, got "${currency}"`);
  return OFFSET_ONE.has(currency) ? MICROS_PER_UNIT : MICROS_PER_UNIT / 100;
}

/**
 * Checks an amount of micros: a safe integer ≥ 0.
 * @throws RangeError naming `field` otherwise.
 */
export function assertMicros(field: string, micros: number): number {
  if (!Number.isSafeInteger(micros) || micros < 0)
    throw new RangeError(`${field}: expected whole micros ≥ 0, got ${micros}`);
  return micros;
}

/**
 * Micros to the currency's minor units, exactly (1,500,000 USD micros → 150 cents).
 * @throws RangeError when the amount is not a whole number of minor units (1,234,567 micros is
 *   not a whole number of cents): bids are never rounded silently.
 */
export function microsToMinorUnits(
  micros: number,
  currency: string,
  field = "amountMicros",
): number {
  assertMicros(field, micros);
  const per = microsPerMinorUnit(currency);
  if (micros % per !== 0)
    throw new RangeError(
      `${field}: ${micros} micros is not a whole number of ${currency} minor units (${per} micros each)`,
    );
  return micros / per;
}

/** Minor units to micros, exactly (150 cents → 1,500,000 micros). */
export function minorUnitsToMicros(minor: number, currency: string): number {
  if (!Number.isSafeInteger(minor) || minor < 0)
    throw new RangeError(`minor units: expected a whole number ≥ 0, got ${minor}`);
  return assertMicros("micros", minor * microsPerMinorUnit(currency));
}

/**
 * A decimal amount in currency units, as Meta's Insights write spend ("12.34"), to micros by
 * string arithmetic (no float in between): "12.34" → 12,340,000.
 * @throws RangeError for anything but digits with at most six decimals.
 */
export function decimalToMicros(decimal: string, field = "spend"): number {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(decimal.trim());
  if (!m) throw new RangeError(`${field}: expected a decimal amount like 12.34, got "${decimal}"`);
  const units = BigInt(m[1] as string) * BigInt(MICROS_PER_UNIT);
  const fraction = BigInt((m[2] ?? "").padEnd(6, "0") || "0");
  const micros = units + fraction;
  if (micros > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`${field}: ${decimal} is too large to hold in micros`);
  return Number(micros);
}
