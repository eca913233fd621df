/** A billing period: epoch ms, start inclusive, end exclusive. */
export interface OutcomePeriod {
  start: number;
  end: number;
  /** How it was given: `2026-11` for a month, `2026-11-01/2026-11-16` for a range. */
  label: string;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a period: a calendar month in UTC (`2026-11`) or a range of UTC days
 * `FROM/TO` (`2026-11-01/2026-11-16`: TO excluded, as ISO 8601 intervals read).
 * @throws RangeError naming what was wrong.
 */
export function parseOutcomePeriod(text: string): OutcomePeriod {
  const month = MONTH.exec(text);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]);
    return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1), label: text };
  }
  const [from, to, ...rest] = text.split("/");
  if (from === undefined || to === undefined || rest.length > 0 || !DAY.test(from) || !DAY.test(to))
    throw new RangeError(
      `period: expected a month like 2026-11 or days like 2026-11-01/2026-11-16, got "${text}"`,
    );
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  const valid = (ms: number, s: string) =>
    !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(s);
  if (!valid(start, from) || !valid(end, to))
    throw new RangeError(`period: "${text}" names a day that does not exist`);
  if (end <= start) throw new RangeError(`period: ${to} must be after ${from}`);
  return { start, end, label: text };
}
