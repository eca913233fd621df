import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { detectFormat } from "./detect.ts";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), "utf8");

describe("format detection for kamiyo intel import", () => {
  it("recognises every fixture's source", () => {
    expect(detectFormat(fixture("incidents.json"))).toBe("defihacklabs-explorer");
    expect(detectFormat(fixture("defillama-hacks.sample.json"))).toBe("defillama");
    expect(detectFormat(fixture("20160617-TheDAO.json"))).toBe("defi-hack-chronicle");
    expect(detectFormat(fixture("past-2024-README.md.txt"))).toBe("defihacklabs");
    expect(detectFormat(fixture("rekt-leaderboard.reconstructed.html"))).toBe("rekt");
    expect(detectFormat(fixture("slowmist-hacked.reconstructed.html"))).toBe("slowmist");
    expect(detectFormat("hello")).toBeNull();
    // Prose that mentions the sources is not their pages.
    expect(detectFormat(fixture("README.md"))).toBeNull();
    expect(detectFormat('[{"x": 1}]')).toBeNull();
  });
});
