import fc from "fast-check";
import type { Harness } from "./api-harness.ts";

/**
 * Query-string values a client might send, hostile ones included: any text, graphemes, numbers
 * (NaN, overflow), dates, injection attempts, NUL, long strings, and values the routes know.
 */
export const queryValue = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer().map(String),
  fc.double({ noNaN: false }).map(String),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    "",
    "0",
    "-1",
    "1e309",
    "NaN",
    "null",
    "[]",
    "{}",
    "critical,high",
    "ETH",
    "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
    "1h",
    "%00",
    "' OR 1=1 --",
    "date",
    "amount",
    "defillama",
    "eth,bsc",
    "Euler Finance",
    "2023-03-13",
  ),
  fc.string({ maxLength: 5000 }),
);

/** Query strings of up to 6 parameters, mostly the route's own names (`params`), some unknown. */
export function queryFor(params: string[]) {
  const key =
    params.length > 0
      ? fc.oneof(fc.constantFrom(...params), fc.string({ maxLength: 12 }))
      : fc.string({ maxLength: 12 });
  return fc.array(fc.tuple(key, queryValue), { maxLength: 6 }).map((pairs) => {
    const q = new URLSearchParams();
    for (const [k, v] of pairs) q.append(k, v);
    return q.toString();
  });
}

/**
 * Asserts that `GET route` answers any query (`numRuns` of them, mostly its own `params`) with 200
 * or a 400 envelope naming the parameter, each valid for the route's schema: never a 500.
 * `url` fills the route's path parameters.
 */
export async function expectAnyQueryHandled(
  h: Pick<Harness, "app" | "expectValid">,
  route: string,
  params: string[],
  url = route,
  numRuns = 120,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(queryFor(params), async (qs) => {
      const res = await h.app.inject({ method: "GET", url: `${url}?${qs}` });
      if (res.statusCode !== 200 && res.statusCode !== 400)
        throw new Error(`${url}?${qs}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      h.expectValid("GET", route, res.statusCode, res.json());
      if (
        res.statusCode === 400 &&
        !/^(query parameter "|this route)/.test(res.json().error.message)
      )
        throw new Error(
          `${url}?${qs}: 400 without naming the parameter: ${res.body.slice(0, 200)}`,
        );
    }),
    { numRuns },
  );
}
