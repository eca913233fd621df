import { z } from "zod";
import { AppError } from "./errors.ts";

/** Hyperliquid, Binance and Coinbase send decimals as strings like "-0.0002823363". */
export const DECIMAL_PATTERN = /^-?\d+(?:\.\d+)?$/;

/**
 * Parses an exchange decimal string into a finite number. Exponent notation, blanks, "NaN"
 * and the like are rejected rather than guessed.
 * @throws AppError("upstream_invalid") when `text` is not a plain decimal.
 */
export function parseDecimal(text: string): number {
  if (!DECIMAL_PATTERN.test(text)) {
    throw new AppError("upstream_invalid", `not a decimal string: ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** Zod schema for a decimal string, output as a number. */
export const decimal = z
  .string()
  .regex(DECIMAL_PATTERN, "expected a decimal string")
  .transform(Number);

/** Zod schema for a decimal string or null, output as a number or null. */
export const nullableDecimal = decimal.nullable();
