/**
 * The URLs of the varied-read benchmark: what dashboards and scripts ask the list routes for,
 * filters drawn at random (seeded, so every run reads the same set) and each filtered list paged
 * a random number of pages deep with the cursors the API itself returned. Most such reads miss
 * the response cache, which is why they are measured with it off.
 */
import { type Random, seededRandom } from "@kamiyo/core";

type Rand = Random;
const pick = <T>(rand: Rand, items: readonly T[]): T =>
  items[Math.floor(rand() * items.length)] as T;
const DAY_MS = 86_400_000;

/** The coins the benchmark's findings are about, majors first (as they are seeded, skewed). */
const COINS = ["BTC", "ETH", "SOL", "HYPE", "XRP", "DOGE", "SUI", "AVAX", "LINK", "BNB", "TAO"];
const DETECTORS = ["oracle", "liquidations", "hlp", "manipulation"];
const SEVERITIES = ["info", "low", "medium", "high", "critical"];

/** One filtered `/security/events` query, without limit and cursor. */
function eventsFilter(rand: Rand, now: number): URLSearchParams {
  const q = new URLSearchParams();
  if (rand() < 0.3) {
    const a = pick(rand, SEVERITIES);
    const b = pick(rand, SEVERITIES);
    q.set("severity", rand() < 0.5 || a === b ? a : `${a},${b}`);
  }
  if (rand() < 0.35) q.set("detector", pick(rand, DETECTORS));
  if (rand() < 0.3) q.set("subject", pick(rand, COINS));
  if (rand() < 0.1) q.set("status", rand() < 0.5 ? "open" : "resolved");
  if (rand() < 0.25) {
    const since = now - Math.floor(rand() * 90) * DAY_MS;
    q.set("since", new Date(since).toISOString());
    if (rand() < 0.5)
      q.set("until", new Date(since + (1 + Math.floor(rand() * 14)) * DAY_MS).toISOString());
  }
  return q;
}

const CHAINS = [
  "ethereum",
  "bsc",
  "arbitrum",
  "base",
  "polygon",
  "avalanche",
  "optimism",
  "solana",
];
const CATEGORIES = [
  "Logic Flaw",
  "Price Manipulation",
  "Access Control",
  "Reentrancy",
  "Flash Loan",
];
const SOURCES = ["defillama", "rekt", "defihacklabs", "slowmist", "defihacklabs-explorer"];

/** One filtered `/exploits` query, without limit and cursor. */
function exploitsFilter(rand: Rand): URLSearchParams {
  const q = new URLSearchParams();
  if (rand() < 0.5) q.set("sort", "amount");
  if (rand() < 0.4)
    q.set(
      "chain",
      rand() < 0.8 ? pick(rand, CHAINS) : `${pick(rand, CHAINS)},${pick(rand, CHAINS)}`,
    );
  if (rand() < 0.3) q.set("min_amount", String(10 ** (4 + Math.floor(rand() * 5))));
  if (rand() < 0.1) q.set("max_amount", String(10 ** (6 + Math.floor(rand() * 3))));
  if (rand() < 0.2) q.set("category", pick(rand, CATEGORIES));
  if (rand() < 0.15) q.set("source", pick(rand, SOURCES));
  if (rand() < 0.05) q.set("protocol", `Protocol ${1 + Math.floor(rand() * 100_000)}`);
  if (rand() < 0.2) {
    const year = 2017 + Math.floor(rand() * 9);
    q.set("since", `${year}-01-01T00:00:00Z`);
    if (rand() < 0.5) q.set("until", `${year + 1 + Math.floor(rand() * 3)}-01-01T00:00:00Z`);
  }
  return q;
}

/**
 * About `count` paths of `route`: random filters, each read from its first page as deep as a
 * random 1–10 pages (fewer where the list ends), following the `nextCursor` the API returns.
 * Every path answered 200 when it was collected.
 */
export async function variedPaths(
  base: string,
  route: "/security/events" | "/exploits",
  count: number,
  now: number,
): Promise<string[]> {
  const rand = seededRandom(route === "/exploits" ? 2 : 1);
  const paths: string[] = [];
  while (paths.length < count) {
    const q = route === "/exploits" ? exploitsFilter(rand) : eventsFilter(rand, now);
    q.set("limit", String(pick(rand, [20, 50, 50, 50, 100])));
    const depth = 1 + Math.floor(rand() * 10);
    for (let page = 0; page < depth && paths.length < count; page++) {
      const path = `${route}?${q}`;
      const res = await fetch(`${base}${path}`);
      if (res.status !== 200)
        throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
      paths.push(path);
      const { nextCursor } = (await res.json()) as { nextCursor: string | null };
      if (!nextCursor) break;
      q.set("cursor", nextCursor);
    }
  }
  return paths;
}
