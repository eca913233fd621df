import { readFixtureJson } from "@kamiyo/testing";

/** 2025-03-12T00:00:00Z. */
export const T0 = 1_741_747_200_000;
const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
export const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
const WHALE = "0xf3f496c9486be5924a93d67e98298733bb47057c";
export const FILL_TIME = T0 + 19_990;

const recorded = (name: string) =>
  readFixtureJson("hyperliquid/recorded/yassi80-hyperliquid", name) as Record<string, unknown>;

function vaultDetails(address: string, name: string, relationship: unknown) {
  return {
    name,
    vaultAddress: address,
    leader: "0x677d831aef5328190852e24f13c46cac05f984e7",
    description: `${name} (test recording)`,
    portfolio: [],
    apr: 0.05,
    followerState: null,
    leaderFraction: 0,
    leaderCommission: 0,
    followers: [],
    maxDistributable: 0,
    maxWithdrawable: 0,
    isClosed: false,
    relationship,
    allowDeposits: true,
    alwaysCloseOnWithdraw: false,
  };
}

/** metaAndAssetCtxs from the real recording, reduced to ETH and priced at the event. */
function ethMarket(): unknown {
  const [meta, ctxs] = readFixtureJson(
    "hyperliquid/recorded/yassi80-hyperliquid/metaAndAssetCtxs.json",
  ) as [{ universe: { name: string }[] } & Record<string, unknown>, Record<string, unknown>[]];
  const i = meta.universe.findIndex((u) => u.name === "ETH");
  const ctx = ctxs[i] as Record<string, unknown>;
  return [
    { ...meta, universe: [meta.universe[i]] },
    [
      {
        ...ctx,
        markPx: "1915.0",
        oraclePx: "1915.2",
        midPx: "1915.05",
        prevDayPx: "1920.0",
        impactPxs: ["1915.0", "1915.1"],
      },
    ],
  ];
}

/** clearinghouseState from the real recording, with the given positions and time. */
function state(positions: unknown[], time: number): unknown {
  const s = recorded("clearinghouseState.json");
  return { ...s, assetPositions: positions, time };
}

const whaleFill = {
  coin: "ETH",
  px: "1915.0",
  sz: "160234.0",
  side: "B",
  time: FILL_TIME,
  startPosition: "0.0",
  dir: "Liquidated Cross Long",
  closedPnl: "0.0",
  hash: "0x3995b356b05a726a3b0f0442b43f850203cc003c4b5d913cdd5e5ea96f5e4c54",
  oid: 80220325491,
  crossed: true,
  fee: "0.0",
  tid: 802203254918799,
  liquidation: { liquidatedUser: WHALE, markPx: "1915.0", method: "backstop" },
  feeToken: "USDC",
  twapId: null,
};

/**
 * A one-minute recording of an ETH whale's backstop liquidation, as NDJSON lines (test data built
 * from real recorded payloads): the HLP family, the ETH market, the liquidator's fill at 20 s
 * (critical backstop and large-liquidation findings) and its inherited position at 60 s. Line 7
 * is malformed and line 8 has an unknown source, on purpose.
 */
export function ethBackstopRecording(): string[] {
  const info = (ts: number, req: unknown, res: unknown) =>
    JSON.stringify({ ts, src: "hl.info", req, res });
  const parentState = recorded("clearinghouseState.json");
  const inherited = {
    type: "oneWay",
    position: {
      coin: "ETH",
      szi: "160234.0",
      leverage: { type: "cross", value: 25 },
      entryPx: "1915.0",
      positionValue: "306848110.0",
      unrealizedPnl: "0.0",
      returnOnEquity: "0.0",
      liquidationPx: null,
      marginUsed: "12273924.4",
      maxLeverage: 25,
      cumFunding: { allTime: "0.0", sinceOpen: "0.0", sinceChange: "0.0" },
    },
  };
  return [
    JSON.stringify({ ts: T0, src: "meta", label: "test", description: "ETH whale backstop" }),
    info(
      T0,
      { type: "vaultDetails", vaultAddress: HLP },
      vaultDetails(HLP, "Hyperliquidity Provider (HLP)", {
        type: "parent",
        data: { childAddresses: [LIQUIDATOR] },
      }),
    ),
    info(
      T0,
      { type: "vaultDetails", vaultAddress: LIQUIDATOR },
      vaultDetails(LIQUIDATOR, "HLP Liquidator", { type: "child" }),
    ),
    info(T0, { type: "metaAndAssetCtxs" }, ethMarket()),
    info(T0, { type: "clearinghouseState", user: HLP }, { ...parentState, time: T0 }),
    info(T0, { type: "clearinghouseState", user: LIQUIDATOR }, state([], T0)),
    '{"ts":1741747205000,"src":"hl.info","req":{"type":', // malformed (line 7)
    JSON.stringify({ ts: T0 + 6_000, src: "bybit", req: { path: "/v5/market/tickers" }, res: {} }),
    JSON.stringify({
      ts: T0 + 20_000,
      src: "hl.ws",
      msg: { channel: "userFills", data: { user: LIQUIDATOR, fills: [whaleFill] } },
    }),
    info(
      T0 + 60_000,
      { type: "clearinghouseState", user: LIQUIDATOR },
      state([inherited], T0 + 60_000),
    ),
  ];
}
