/** "$12.1M", "$999.0k", "$950": compact USD for titles (the detectors' format, without a dependency on them). */
export function formatUsd(n: number): string {
  const a = Math.abs(n);
  const sign = n < 0 ? "-" : "";
  if (a >= 1e9) return `${sign}$${(a / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `${sign}$${(a / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${sign}$${(a / 1e3).toFixed(1)}k`;
  return `${sign}$${a.toFixed(0)}`;
}

/** Rounds an amount for evidence (cents). */
export function cents(n: number): number {
  return Math.round(n * 100) / 100;
}

/** "2025-10-10T21:16:04.831Z". */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
