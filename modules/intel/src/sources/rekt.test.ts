import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRektLeaderboard, rektProtocol } from "./rekt.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");
const PAGE = fixture("rekt-leaderboard.reconstructed.html");
const DRIFTED = fixture("rekt-leaderboard-drifted.reconstructed.html");

describe("rekt.news leaderboard", () => {
  const { records, issues } = parseRektLeaderboard(PAGE);
  const bySlug = new Map(records.map((r) => [r.sourceKey, r]));

  it("reads every row but the damaged one, in page order", () => {
    expect(records).toHaveLength(25);
    expect(records.slice(0, 3).map((r) => r.sourceKey)).toEqual([
      "bybit-rekt",
      "ronin-rekt",
      "polynetwork-rekt",
    ]);
    expect(records.at(-1)?.sourceKey).toBe("radiant-capital-rekt");
  });

  it("gives slug, protocol, day, USD loss and article address", () => {
    expect(bySlug.get("bybit-rekt")).toEqual({
      source: "rekt",
      sourceKey: "bybit-rekt",
      protocol: "Bybit",
      date: "2025-02-21",
      occurredAt: null,
      chains: [],
      classification: null,
      technique: null,
      lossUsd: 1_436_173_027,
      original: null,
      returnedUsd: null,
      txHashes: [],
      url: "https://rekt.news/bybit-rekt/",
    });
    const spot = (slug: string) => {
      const r = bySlug.get(slug);
      return r && [r.protocol, r.date, r.lossUsd, r.url];
    };
    expect(spot("ronin-rekt")).toEqual([
      "Ronin Network",
      "2022-03-23",
      624_000_000,
      "https://rekt.news/ronin-rekt/",
    ]);
    expect(spot("polynetwork-rekt")).toEqual([
      "Poly Network",
      "2021-08-10",
      611_000_000,
      "https://rekt.news/polynetwork-rekt/",
    ]);
    expect(spot("euler-rekt")).toEqual([
      "Euler Finance",
      "2023-03-13",
      197_000_000,
      "https://rekt.news/euler-rekt/",
    ]);
    expect(spot("nomad-rekt")?.slice(1, 3)).toEqual(["2022-08-01", 190_000_000]);
    expect(spot("kyberswap-rekt")?.slice(0, 3)).toEqual(["KyberSwap", "2023-11-22", 48_000_000]);
    // The article slug need not follow the title.
    expect(spot("epic-hack-homie")?.slice(0, 3)).toEqual(["Kucoin", "2020-09-29", 45_000_000]);
  });

  it("reads the date formats the board mixes: M/D/YYYY and MM/DD/YY", () => {
    expect(bySlug.get("bybit-rekt")?.date).toBe("2025-02-21"); // "2/21/2025"
    expect(bySlug.get("sbf-mask-off")?.date).toBe("2022-11-12"); // "11/12/22"
  });

  it("strips the REKT suffix and its repeat numbers, keeping other titles whole", () => {
    expect(bySlug.get("wintermute-rekt-2")?.protocol).toBe("Wintermute");
    expect(bySlug.get("wintermute-rekt-2")?.lossUsd).toBe(162_300_000);
    expect(bySlug.get("cream-rekt-2")?.protocol).toBe("Cream Finance");
    expect(bySlug.get("sbf-mask-off")?.protocol).toBe("SBF - MASK OFF");
    expect(rektProtocol("Multichain - R3KT")).toBe("Multichain");
    expect(rektProtocol("Harmony - Rekt 2")).toBe("Harmony");
    expect(rektProtocol("REKT")).toBe("REKT");
  });

  it("keeps a protocol's repeat incidents apart", () => {
    const radiant = records.filter((r) => r.protocol === "Radiant Capital");
    expect(radiant.map((r) => [r.sourceKey, r.date, r.lossUsd])).toEqual([
      ["radiant-capital-rekt2", "2024-10-16", 53_000_000],
      ["radiant-capital-rekt", "2024-01-02", 4_500_000],
    ]);
  });

  it("refuses the damaged row by position, naming the missing amount", () => {
    expect(issues).toHaveLength(1);
    expect(issues[0]?.source).toBe("rekt");
    expect(issues[0]?.at).toBe("item 16");
    expect(issues[0]?.message).toContain("Multichain - REKT 2");
    expect(issues[0]?.message).toContain("missing loss amount");
    expect(bySlug.has("multichain-rekt2")).toBe(false);
  });

  it("reads the drifted layout into the same records and issues", () => {
    const drifted = parseRektLeaderboard(DRIFTED);
    expect(drifted.records).toEqual(records);
    expect(drifted.issues.map((i) => i.at)).toEqual(["item 16"]);
    expect(drifted.issues[0]?.message).toContain("missing loss amount");
  });

  it("names each field a row lacks", () => {
    const html = `<ol class="leaderboard-content">
      <li><a href="/ok-rekt/">OK - REKT</a><div class="leaderboard-row-details">$1,000 | 01/02/2023</div></li>
      <li><span class="leaderboard-audit">Unaudited</span><div class="leaderboard-row-details">$5,000 | 01/02/2023</div></li>
      <li><a href="/nodate-rekt/">No Date - REKT</a><div class="leaderboard-row-details">$5,000</div></li>
      <li><a href="/baddate-rekt/">Bad Date - REKT</a><div class="leaderboard-row-details">$5,000 | 02/30/2023</div></li>
      <li><a href="/bare-rekt/">Bare - REKT</a></li>
    </ol>`;
    const r = parseRektLeaderboard(html);
    expect(r.records.map((x) => [x.sourceKey, x.lossUsd, x.date])).toEqual([
      ["ok-rekt", 1000, "2023-01-02"],
    ]);
    expect(r.issues.map((i) => i.at)).toEqual(["item 2", "item 3", "item 4", "item 5"]);
    expect(r.issues[0]?.message).toContain("missing article link");
    expect(r.issues[1]?.message).toMatch(/No Date - REKT.*missing date/);
    expect(r.issues[2]?.message).toContain('a valid date (read "02/30/2023")');
    expect(r.issues[3]?.message).toMatch(/missing loss amount.*date/);
  });

  it("refuses a second row for the same article", () => {
    const row = `<li><a href="/dup-rekt/">Dup - REKT</a><div class="leaderboard-row-details">$9 | 1/1/2024</div></li>`;
    const r = parseRektLeaderboard(`<ol class="leaderboard-content">${row}${row}</ol>`);
    expect(r.records).toHaveLength(1);
    expect(r.issues).toEqual([
      { source: "rekt", at: "item 2", message: "dup-rekt: same article as item 1" },
    ]);
  });

  it("gives one clear issue for a page that is not the leaderboard", () => {
    for (const html of [
      "",
      "not html at all {]",
      "<html><body><ul><li><a href='/'>Home</a></li></ul><p>$5 | 1/1/2024</p></body></html>",
    ]) {
      const r = parseRektLeaderboard(html);
      expect(r.records).toEqual([]);
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]?.at).toBe("page");
      expect(r.issues[0]?.message).toContain("layout not recognised");
    }
  });
});
