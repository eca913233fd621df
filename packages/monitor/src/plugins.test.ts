import {
  FetchHttpClient,
  type FindingChange,
  IoTracker,
  pluginKit,
  seededRandom,
  silentLogger,
  VirtualClock,
} from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Monitor } from "./monitor.ts";
import { monitorConfigFor } from "./plugins.ts";

/** A product line's own observation, unknown to the platform. */
interface CapsObservation {
  readonly type: "oiCap";
  readonly time: number;
  readonly coins: readonly string[];
}

const { defineSource, defineDetector } = pluginKit<CapsObservation>();

/** A product line's plug-ins, unknown to the monitor: a source of open-interest caps, a rule on them. */
const capsSource = defineSource({
  kind: "caps",
  description: "Emits the coins at their open-interest cap once",
  config: z.object({ coins: z.array(z.string()).default(["JELLY"]) }),
  create(config, ctx) {
    return {
      async run() {
        ctx.emit({ type: "oiCap", time: ctx.clock.now(), coins: config.coins });
        await new Promise((r) => ctx.signal.addEventListener("abort", r, { once: true }));
      },
      health: () => ({ status: "up", detail: "sent once", lastDataAt: null, counters: {} }),
    };
  },
});
const capsDetector = defineDetector({
  kind: "caps-rule",
  description: "Raises a finding per coin at its cap",
  config: z.object({ severity: z.enum(["low", "high"]).default("high") }),
  create(config) {
    return {
      accepts: ["oiCap"],
      observe(obs, out) {
        for (const coin of obs.coins)
          out.raise({
            kind: "at-cap",
            subject: { type: "asset", id: coin },
            severity: config.severity,
            title: `${coin} at its open-interest cap`,
            evidence: {},
            dataTime: obs.time,
          });
      },
    };
  },
});
const plugins = { sources: { caps: capsSource }, detectors: { "caps-rule": capsDetector } };
const schema = monitorConfigFor(plugins);

async function run(
  input: z.input<typeof schema>,
): Promise<{ changes: FindingChange[]; sources: string[] }> {
  const clock = new VirtualClock(Date.UTC(2025, 2, 26));
  const io = new IoTracker();
  const monitor = await Monitor.create(schema.parse(input), {
    clock,
    random: seededRandom(1),
    log: silentLogger,
    http: new FetchHttpClient({ userAgent: "kamiyo-test", timeoutMs: 1_000, io }),
    io,
    db: null,
    tenantId: "ten_default",
    plugins,
  });
  const changes: FindingChange[] = [];
  monitor.onChange((c) => changes.push(c));
  monitor.start();
  await expect.poll(() => monitor.health().stats.observations.oiCap ?? 0).toBe(1);
  await monitor.stop();
  return { changes, sources: Object.keys(monitor.health().sources) };
}

describe("the monitor runs the plug-ins it is given", () => {
  it("types each plug-in's slot from its own schema, with its defaults", () => {
    const config = schema.parse({ detectors: { "caps-rule": { config: { severity: "low" } } } });
    expect(config.sources.caps).toEqual({ enabled: true, config: { coins: ["JELLY"] } });
    expect(config.detectors["caps-rule"]).toEqual({ enabled: true, config: { severity: "low" } });
    expect(
      schema.safeParse({ detectors: { "caps-rule": { config: { severity: "x" } } } }).success,
    ).toBe(false);
  });

  it("routes a module's observations to its detector, and runs no other source", async () => {
    const { changes, sources } = await run({
      sources: { caps: { config: { coins: ["JELLY", "HYPE"] } } },
    });
    expect(sources).toEqual(["caps"]);
    expect(
      changes.map((c) => [c.change, c.finding.detector, c.finding.subject.id, c.finding.severity]),
    ).toEqual([
      ["opened", "caps-rule", "JELLY", "high"],
      ["opened", "caps-rule", "HYPE", "high"],
    ]);
  });

  it("leaves a disabled detector out", async () => {
    const { changes } = await run({ detectors: { "caps-rule": { enabled: false } } });
    expect(changes).toEqual([]);
  });
});
