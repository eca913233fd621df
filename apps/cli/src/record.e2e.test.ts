import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "@kamiyo/core";
import { createMigratedDataDir } from "@kamiyo/db";
import { ReplayServer } from "@kamiyo/hyperliquid";
import { testCacheDir } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/kamiyo.js", import.meta.url));
const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
const LIQ = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const WHALE = "0xf3f496c9486be5924a93d67e98298733bb47057c";

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, LOG_LEVEL: "warn", ...env }, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let server: ReplayServer;
let dir: string;

/** A stand-in for the live endpoints: the replay server with a small state made visible. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-record-"));
  server = await ReplayServer.start(silentLogger);
  const t = Date.now();
  const ch = {
    marginSummary: {
      accountValue: "1000000.0",
      totalNtlPos: "0.0",
      totalRawUsd: "1000000.0",
      totalMarginUsed: "0.0",
    },
    withdrawable: "1.0",
    assetPositions: [],
    time: t,
  };
  server.load({
    ts: t,
    src: "hl.info",
    req: { type: "vaultDetails", vaultAddress: HLP },
    res: {
      name: "HLP",
      vaultAddress: HLP,
      leader: LIQ,
      isClosed: false,
      relationship: { type: "parent", data: { childAddresses: [LIQ] } },
    },
  });
  server.load({
    ts: t,
    src: "hl.info",
    req: { type: "vaultDetails", vaultAddress: LIQ },
    res: {
      name: "HLP Liquidator",
      vaultAddress: LIQ,
      leader: HLP,
      isClosed: false,
      relationship: { type: "child" },
    },
  });
  server.load({
    ts: t,
    src: "hl.info",
    req: { type: "metaAndAssetCtxs" },
    res: [
      { universe: [{ name: "ETH", szDecimals: 4, maxLeverage: 25 }] },
      [
        {
          funding: "0.0000125",
          openInterest: "600000.0",
          prevDayPx: "1900.0",
          dayNtlVlm: "2000000000.0",
          premium: "0.0",
          oraclePx: "1915.0",
          markPx: "1915.0",
          midPx: "1915.0",
          impactPxs: ["1914.9", "1915.1"],
        },
      ],
    ],
  });
  for (const user of [HLP, LIQ])
    server.load({ ts: t, src: "hl.info", req: { type: "clearinghouseState", user }, res: ch });
  server.load({
    ts: t,
    src: "binance",
    req: { path: "/api/v3/ticker/price" },
    res: [{ symbol: "ETHUSDT", price: "1915.10" }],
  });
});

afterAll(async () => {
  await server.close();
});

describe("kamiyo record, then kamiyo replay of the recording", () => {
  const out = () => join(dir, "session.ndjson.gz");
  let time: number;
  let live: { code: number; stdout: string; stderr: string };
  let replayed: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    const env = {
      KAMIYO_DATA_DIR: join(dir, "data"),
      KAMIYO_CACHE_DIR: testCacheDir(),
      HL_INFO_URL: `${server.url}/info`,
      HL_WS_URL: `${server.url.replace("http", "ws")}/ws`,
      HL_FAMILY_SEED: JSON.stringify([
        { address: HLP, name: "HLP", role: "parent" },
        { address: LIQ, name: "HLP Liquidator", role: "liquidator" },
      ]),
      HL_EXTRA_LIQUIDATORS: "",
      BINANCE_URLS: `${server.url}/binance`,
      COINBASE_ENABLED: "false",
    };
    // The data directory cloned from the run's migrated template (initialising one takes seconds).
    await createMigratedDataDir(testCacheDir(), join(dir, "data"));
    const recording = run(["record", "--out", out(), "--duration", "12s", "--json"], env);
    // Once the monitor is connected and subscribed, the takeover arrives over the WebSocket.
    for (let i = 0; i < 200 && server.stats.connections === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 2_000));
    time = Date.now();
    server.push({
      channel: "userFills",
      data: {
        user: LIQ,
        fills: [
          {
            coin: "ETH",
            px: "1915.0",
            sz: "160234.0",
            side: "B",
            time,
            startPosition: "0.0",
            dir: "Liquidated Cross Long",
            closedPnl: "0.0",
            hash: `0x${"ab".repeat(32)}`,
            oid: 1,
            crossed: true,
            fee: "0.0",
            tid: 42,
            liquidation: { liquidatedUser: WHALE, markPx: "1915.0", method: "backstop" },
            feeToken: "USDC",
            twapId: null,
          },
        ],
      },
    });
    live = await recording;
    replayed = await run(["replay", out(), "--json"], { KAMIYO_CACHE_DIR: testCacheDir() });
  }, 120_000);

  it("records live traffic and replays it into the same critical finding", () => {
    expect(live.code, live.stderr).toBe(0);
    const liveFindings = live.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(liveFindings.some((f) => f.kind === "backstop" && f.severity === "critical")).toBe(true);

    expect(replayed.code, replayed.stderr).toBe(0);
    const findings = replayed.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const backstop = findings.find((f) => f.kind === "backstop" && f.severity === "critical");
    expect(backstop?.firstDataTs).toBe(time);
    expect(backstop?.id).toBe(liveFindings.find((f) => f.kind === "backstop")?.id);
    expect(replayed.stderr).not.toContain("skipped");
  });

  it("writes a file ordered by ts with every source's exchanges", async () => {
    const { gunzipSync } = await import("node:zlib");
    const lines = gunzipSync(readFileSync(out()))
      .toString("utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { ts: number; src: string; req?: { type?: string } });
    expect(lines.length).toBeGreaterThan(10);
    expect(lines[0]?.src).toBe("meta");
    for (let i = 1; i < lines.length; i++)
      expect((lines[i] as { ts: number }).ts).toBeGreaterThanOrEqual(
        (lines[i - 1] as { ts: number }).ts,
      );
    const kinds = new Set(
      lines.map((l) => (l.src === "hl.info" ? `hl.info:${l.req?.type}` : l.src)),
    );
    for (const k of [
      "hl.info:metaAndAssetCtxs",
      "hl.info:clearinghouseState",
      "hl.info:vaultDetails",
      "binance",
      "hl.ws",
    ])
      expect(kinds).toContain(k);
  });
});
