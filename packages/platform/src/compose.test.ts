import { type Observation, pluginKit } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { composeModules } from "./compose.ts";
import { defineModule } from "./product-module.ts";

const { defineSource, defineDetector } = pluginKit<Observation>();

const source = (kind: string) =>
  defineSource({
    kind,
    description: kind,
    config: z.object({}),
    create: () => ({
      run: async () => {},
      health: () => ({ status: "up", detail: "", lastDataAt: null, counters: {} }),
    }),
  });
const detector = (kind: string) =>
  defineDetector({
    kind,
    description: kind,
    config: z.object({}),
    create: () => ({ accepts: [], observe() {} }),
  });

const dir = new URL("file:///nowhere/");
const first = defineModule({
  id: "first",
  title: "First",
  migrations: { dir },
  pipeline: { sources: { feed: source("feed") }, detectors: { rule: detector("rule") } },
  monitoredChains: [{ chain: "ethereum", name: "Ethereum" }],
});
const second = defineModule({
  id: "second",
  title: "Second",
  pipeline: { sources: {}, detectors: { other: detector("other") } },
  monitoredChains: [
    { chain: "ethereum", name: "Ethereum" },
    { chain: "solana", name: "Solana" },
  ],
});

describe("composeModules", () => {
  it("takes one list of modules apart for the platform, in list order", () => {
    const c = composeModules([first, second]);
    expect(c.migrations).toEqual([{ module: "first", dir }]);
    expect(Object.keys(c.pipeline.sources)).toEqual(["feed"]);
    expect(Object.keys(c.pipeline.detectors)).toEqual(["rule", "other"]);
    expect(c.monitoredChains.map((x) => x.chain)).toEqual(["ethereum", "solana"]);
    expect(c.api).toEqual([]);
    expect(c.pluginSlots.map((x) => [x.prefix, ...x.path])).toEqual([
      ["FEED", "sources", "feed"],
      ["RULE", "detectors", "rule"],
      ["OTHER", "detectors", "other"],
    ]);
  });

  it("gives each plug-in and module settings one environment prefix", () => {
    const named = defineModule({ ...first, pluginPrefixes: { rule: "R" } });
    expect(composeModules([named]).pluginSlots.map((x) => x.prefix)).toEqual(["FEED", "R"]);
    const settings = { prefix: "FEED", schema: z.object({}) };
    expect(() => composeModules([first, { ...second, settings }])).toThrow(
      /module "second": settings prefix "FEED" is malformed or taken/,
    );
  });

  it("refuses two modules with one id, a malformed id, or a plug-in kind brought twice", () => {
    expect(() => composeModules([first, first])).toThrow(/two modules with id "first"/);
    expect(() => composeModules([{ ...second, id: "Second" }])).toThrow(/expected/);
    const clash = defineModule({
      id: "third",
      title: "Third",
      pipeline: { sources: {}, detectors: { rule: detector("rule") } },
    });
    expect(() => composeModules([first, clash])).toThrow(
      /module "third" brings a detector "rule" that another module already brings/,
    );
  });
});
