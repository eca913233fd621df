import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSlowMist, slowMistCategoryChains } from "./slowmist.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
const PAGE = fixture("slowmist-hacked.reconstructed.html");
const DRIFTED = fixture("slowmist-hacked-drifted.reconstructed.html");

const item = (date: string, target: string, loss: string, method = "Contract vulnerability") =>
  `<li><span class="time">${date}</span><h3>Hacked target: ${target}</h3>
   <p>Description of the event: something happened.</p>
   <p><span>Amount of loss: ${loss}</span><span>Attack method: ${method}</span></p></li>`;
const page = (...items: string[]) => `<div class="case-content"><ul>${items.join("")}</ul></div>`;

describe("SlowMist Hacked", () => {
  const { records, issues } = parseSlowMist(PAGE);
  const byTarget = new Map(records.map((r) => [r.protocol, r]));

  it("reads every incident but the damaged one, in page order", () => {
    expect(records).toHaveLength(10);
    expect(records.map((r) => r.sourceKey)).toEqual([
      "2025-02-21-Bybit",
      "2024-10-16-Radiant Capital",
      "2024-07-11-Compound Finance",
      "2024-05-31-DMM Bitcoin",
      "2023-11-22-KyberSwap",
      "2023-03-13-Euler Finance",
      "2022-08-01-Nomad Bridge",
      "2022-04-17-Beanstalk",
      "2022-03-23-Ronin Network",
      "2022-02-02-Wormhole",
    ]);
  });

  it("gives target, day, technique, USD loss, tx hashes and reference", () => {
    expect(byTarget.get("Bybit")).toEqual({
      source: "slowmist",
      sourceKey: "2025-02-21-Bybit",
      protocol: "Bybit",
      date: "2025-02-21",
      occurredAt: null,
      chains: [],
      classification: null,
      technique: "Multisig signing interface spoofed",
      lossUsd: 1_460_000_000,
      original: null,
      returnedUsd: null,
      txHashes: [
        "0x46deef0f52e3a983b67abf4714448a41dd7ffd6d32d32da69d62081c68ad7882",
        "0xb61413c495fdad6114a7aa863a00b2e3c28945979a10885b12b30316ea9f072c",
      ],
      url: "https://etherscan.io/tx/0x46deef0f52e3a983b67abf4714448a41dd7ffd6d32d32da69d62081c68ad7882",
    });
    const euler = byTarget.get("Euler Finance");
    expect([euler?.lossUsd, euler?.technique, euler?.url, euler?.txHashes]).toEqual([
      197_000_000,
      "Flash loan attack",
      "https://rekt.news/euler-rekt/",
      ["0xc310a0affe2169d1f6feec1c63dbc7f7c62a887fa48795d327d4d2da2d6b111d"],
    ]);
    expect(byTarget.get("Nomad Bridge")?.lossUsd).toBe(190_000_000);
    expect(byTarget.get("Radiant Capital")?.lossUsd).toBe(53_000_000);
  });

  it("lists a hash named in both the description and the reference once", () => {
    expect(byTarget.get("Beanstalk")?.txHashes).toEqual([
      "0xcd314668aaa9bbfebaf1a0bd2b6553d01dd58899c508d4729fa7311dc5d33ad7",
    ]);
  });

  it("keeps Solana signatures as written", () => {
    expect(byTarget.get("Wormhole")?.txHashes).toEqual([
      "2zCz2GgSoSS68eNJENWrYB48dMM1zmH8SZkgYneVDv2G4gRsVfwu5rNXtK5BKFxn7fSqX9BvrBc1rdPAeBEcD6Es",
    ]);
  });

  it("keeps token losses as the original amount, USD only when the page gives it", () => {
    expect(byTarget.get("DMM Bitcoin")).toMatchObject({
      lossUsd: null,
      original: { amount: 4502.9, unit: "BTC" },
    });
    expect(byTarget.get("Wormhole")).toMatchObject({
      lossUsd: null,
      original: { amount: 120_000, unit: "wETH" },
    });
    // "173,600 ETH + 25.5M USDC (~$624M)": several assets, the USD restatement counts.
    expect(byTarget.get("Ronin Network")).toMatchObject({ lossUsd: 624_000_000, original: null });
    expect(byTarget.get("Ronin Network")?.txHashes).toHaveLength(2);
  });

  it("reads an unknown loss as null and falls back to the page for a missing reference", () => {
    expect(byTarget.get("Compound Finance")).toMatchObject({
      lossUsd: null,
      original: null,
      technique: "DNS hijacking",
      url: "https://hacked.slowmist.io/",
    });
  });

  it("refuses the damaged incident by position, naming the missing date", () => {
    expect(issues).toEqual([
      { source: "slowmist", at: "item 11", message: '"Poly Network": missing date (span.time)' },
    ]);
  });

  it("reads the drifted layout into the same records and issues", () => {
    const drifted = parseSlowMist(DRIFTED);
    expect(drifted.records).toEqual(records);
    expect(drifted.issues).toEqual(issues);
  });

  it("takes chains from the page's category, never from categories that are not chains", () => {
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=ETH&page=3")).toEqual([
      "Ethereum",
    ]);
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=BSC")).toEqual(["BSC"]);
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=Arbitrum")).toEqual(["Arbitrum"]);
    expect(slowMistCategoryChains("/?c=Solana")).toEqual(["Solana"]);
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=Bridge")).toEqual([]);
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=Exchange")).toEqual([]);
    expect(slowMistCategoryChains("https://hacked.slowmist.io/?c=")).toEqual([]);
    expect(slowMistCategoryChains(undefined)).toEqual([]);

    const bsc = parseSlowMist(
      page(item("2021-05-20", "PancakeBunny", "$ 45,000,000")),
      "https://hacked.slowmist.io/?c=BSC&page=1",
    );
    expect(bsc.records[0]?.chains).toEqual(["BSC"]);
    expect(parseSlowMist(PAGE, "https://hacked.slowmist.io/?c=Bridge").records[0]?.chains).toEqual(
      [],
    );
  });

  it("resolves relative reference links against the page", () => {
    const html = page(
      item("2024-01-01", "X", "$ 1M").replace(
        "</li>",
        '<p class="link-reference"><a href="/detail/1">ref</a></p></li>',
      ),
    );
    expect(parseSlowMist(html, "https://hacked.slowmist.io/?c=ETH").records[0]?.url).toBe(
      "https://hacked.slowmist.io/detail/1",
    );
  });

  it("reads USD, token and unknown amount texts", () => {
    const r = parseSlowMist(
      page(
        item("2024-01-01", "A", "$ 1,200,000"),
        item("2024-01-02", "B", "63.5 BNB (~$38K)"),
        item("2024-01-03", "C", "Unknown", "--"),
        item("2024-01-04", "D", "~$100K"),
      ),
    );
    expect(r.issues).toEqual([]);
    expect(r.records.map((x) => [x.protocol, x.lossUsd, x.original, x.technique])).toEqual([
      ["A", 1_200_000, null, "Contract vulnerability"],
      ["B", 38_000, { amount: 63.5, unit: "BNB" }, "Contract vulnerability"],
      ["C", null, null, null],
      ["D", 100_000, null, "Contract vulnerability"],
    ]);
  });

  it("keeps two incidents of one target on one day apart", () => {
    const r = parseSlowMist(
      page(item("2024-01-01", "Same", "$ 1M"), item("2024-01-01", "Same", "$ 2M")),
    );
    expect(r.records.map((x) => x.sourceKey)).toEqual(["2024-01-01-Same", "2024-01-01-Same#2"]);
  });

  it("names each field an incident lacks, keeping the others", () => {
    const r = parseSlowMist(
      page(
        item("2024-01-01", "Fine", "$ 1M"),
        `<li><span class="time">2024-01-02</span><p>Description of the event: no target.</p>
         <p><span>Amount of loss: $ 1M</span></p></li>`,
        `<li><span class="time">2024-01-03</span><h3>Hacked target: NoLoss</h3>
         <p><span>Attack method: Phishing</span></p></li>`,
        item("2024-02-30", "BadDate", "$ 1M"),
        item("2024-01-05", "Odd", "12.34.56"),
      ),
    );
    expect(r.records.map((x) => x.protocol)).toEqual(["Fine"]);
    expect(r.issues).toEqual([
      {
        source: "slowmist",
        at: "item 2",
        message: "untitled incident (2024-01-02): missing target (h3 'Hacked target:')",
      },
      {
        source: "slowmist",
        at: "item 3",
        message: `"NoLoss" (2024-01-03): missing 'Amount of loss:'`,
      },
      {
        source: "slowmist",
        at: "item 4",
        message: `"BadDate" (2024-02-30): missing a valid date (read "2024-02-30")`,
      },
      {
        source: "slowmist",
        at: "item 5",
        message: `"Odd" (2024-01-05): missing a readable loss amount (read "12.34.56")`,
      },
    ]);
  });

  it("gives one clear issue for a page that is not SlowMist Hacked", () => {
    for (const html of ["", "garbage <<>>", "<html><body><ul><li>Home</li></ul></body></html>"]) {
      const r = parseSlowMist(html);
      expect(r.records).toEqual([]);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]?.at).toBe("page");
      expect(r.issues[0]?.message).toContain("layout not recognised");
    }
  });
});
