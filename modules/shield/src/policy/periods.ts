/** A budget's period, in UTC: a day, an ISO week (from Monday), a calendar month. */
export const PERIODS = ["day", "week", "month"] as const;
export type Period = (typeof PERIODS)[number];

const DAY_MS = 86_400_000;

/** A period's bounds, epoch ms: [start, end). */
export interface PeriodBounds {
  startMs: number;
  endMs: number;
}

/** The bounds of the `period` holding `atMs` (UTC). */
export function periodBounds(period: Period, atMs: number): PeriodBounds {
  const dayStart = Math.floor(atMs / DAY_MS) * DAY_MS;
  if (period === "day") return { startMs: dayStart, endMs: dayStart + DAY_MS };
  if (period === "week") {
    // 1970-01-01 was a Thursday: day n is weekday (n + 3) mod 7 counting Monday as 0.
    const weekday = (((dayStart / DAY_MS + 3) % 7) + 7) % 7;
    const startMs = dayStart - weekday * DAY_MS;
    return { startMs, endMs: startMs + 7 * DAY_MS };
  }
  const d = new Date(atMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
}
