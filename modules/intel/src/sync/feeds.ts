import { z } from "zod";
import { parseDefiHackLabsReadme } from "../sources/defihacklabs-readme.ts";
import { parseDefiLlama } from "../sources/defillama.ts";
import { parseExplorer } from "../sources/explorer.ts";
import { parseRektLeaderboard } from "../sources/rekt.ts";
import { parseSlowMist } from "../sources/slowmist.ts";
import type { SourceId } from "../types.ts";
import type { Feed } from "./sync.ts";

const RAW = "https://raw.githubusercontent.com/SunWeb3Sec";

/** Exploit-intelligence sources (environment prefix INTEL_). */
export const intelConfig = z.object({
  sources: z
    .array(z.enum(["defillama", "defihacklabs", "defihacklabs-explorer", "rekt", "slowmist"]))
    .default(["defillama", "defihacklabs", "defihacklabs-explorer", "rekt", "slowmist"])
    .describe("Sources `kamiyo intel sync` reads (comma-separated)"),
  defillamaApiKey: z
    .string()
    .min(1)
    .optional()
    .describe(
      "DeFiLlama Pro API key (secret): the documented pro endpoint instead of the unofficial free one",
    ),
  defillamaUrl: z
    .url()
    .default("https://api.llama.fi/hacks")
    .describe("DeFiLlama hacks endpoint without a key (unofficial, best effort)"),
  defihacklabsUrls: z
    .array(z.url())
    .default([
      `${RAW}/DeFiHackLabs/main/README.md`,
      ...[2025, 2024, 2023, 2022, 2021].map((y) => `${RAW}/DeFiHackLabs/main/past/${y}/README.md`),
    ])
    .describe("DeFiHackLabs incident lists (Markdown), comma-separated"),
  explorerUrl: z
    .url()
    .default(`${RAW}/DeFiHackLabs-Incident-Explorer/main/incidents.json`)
    .describe("DeFiHackLabs Incident Explorer incidents.json"),
  rektUrl: z.url().default("https://rekt.news/leaderboard/").describe("rekt.news leaderboard page"),
  slowmistUrl: z.url().default("https://hacked.slowmist.io/").describe("SlowMist Hacked list"),
  slowmistPages: z
    .number()
    .int()
    .min(1)
    .max(200)
    .default(5)
    .describe("SlowMist pages read per sync"),
  timeoutMs: z.number().int().min(1_000).default(20_000).describe("Timeout of one request, ms"),
  attempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe("Attempts per request (retries with backoff)"),
});

export type IntelConfig = z.output<typeof intelConfig>;

/** The live feeds the configuration names, each with its parser. */
export function feedsOf(c: IntelConfig): Feed[] {
  const all: Record<Exclude<SourceId, "kamiyo" | "defi-hack-chronicle">, Feed> = {
    defillama: {
      source: "defillama",
      urls: [
        c.defillamaApiKey
          ? `https://pro-api.llama.fi/${encodeURIComponent(c.defillamaApiKey)}/api/hacks`
          : c.defillamaUrl,
      ],
      parse: (text) => parseDefiLlama(text),
    },
    defihacklabs: {
      source: "defihacklabs",
      urls: c.defihacklabsUrls,
      parse: (text) => parseDefiHackLabsReadme(text),
    },
    "defihacklabs-explorer": {
      source: "defihacklabs-explorer",
      urls: [c.explorerUrl],
      parse: (text) => parseExplorer(text),
    },
    rekt: { source: "rekt", urls: [c.rektUrl], parse: (text) => parseRektLeaderboard(text) },
    slowmist: {
      source: "slowmist",
      urls: Array.from({ length: c.slowmistPages }, (_, i) => {
        const u = new URL(c.slowmistUrl);
        u.searchParams.set("page", String(i + 1));
        return u.toString();
      }),
      parse: (text, url) => parseSlowMist(text, url),
    },
  };
  return c.sources.map((s) => all[s]);
}
