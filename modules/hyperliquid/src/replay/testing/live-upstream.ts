import { silentLogger } from "@kamiyo/core";
import { ReplayServer } from "../replay-server.ts";

const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
const LIQ = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";

/**
 * A local Hyperliquid (the replay server, speaking the info API and the WebSocket) for a real
 * `kamiyo serve` to watch: the HLP family and an ETH market answered, and on demand the HLP
 * Liquidator's backstop fill of 160,234 ETH, which the liquidations detector raises as a critical
 * finding. `env` points the monitor at it (external venues off).
 */
export interface LiveUpstream {
  env: Record<string, string>;
  /** Resolves once the monitor has connected (its WebSocket subscriptions are up). */
  connected(): Promise<void>;
  /** Pushes the backstop liquidation fill, timed now. */
  pushBackstop(): void;
  /** Pushes a WebSocket message as is (a recording's `msg`) to its channel's subscribers. */
  push(message: unknown): void;
  close(): Promise<void>;
}

export async function startLiveUpstream(): Promise<LiveUpstream> {
  const upstream = await ReplayServer.start(silentLogger);
  const t = Date.now();
  const vault = (vaultAddress: string, name: string, leader: string, relationship: unknown) => ({
    name,
    vaultAddress,
    leader,
    isClosed: false,
    relationship,
  });
  upstream.load({
    ts: t,
    src: "hl.info",
    req: { type: "vaultDetails", vaultAddress: HLP },
    res: vault(HLP, "HLP", LIQ, { type: "parent", data: { childAddresses: [LIQ] } }),
  });
  upstream.load({
    ts: t,
    src: "hl.info",
    req: { type: "vaultDetails", vaultAddress: LIQ },
    res: vault(LIQ, "HLP Liquidator", HLP, { type: "child" }),
  });
  upstream.load({
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
  /** The HLP Liquidator's backstop fill of 160,234 ETH, timed now. */
  const backstop = () => ({
    channel: "userFills",
    data: {
      user: LIQ,
      fills: [
        {
          coin: "ETH",
          px: "1915.0",
          sz: "160234.0",
          side: "B",
          time: Date.now(),
          startPosition: "0.0",
          dir: "Liquidated Cross Long",
          closedPnl: "0.0",
          hash: `0x${"cd".repeat(32)}`,
          oid: 2,
          crossed: true,
          fee: "0.0",
          tid: 4242,
          liquidation: {
            liquidatedUser: "0xf3f496c9486be5924a93d67e98298733bb47057c",
            markPx: "1915.0",
            method: "backstop",
          },
          feeToken: "USDC",
          twapId: null,
        },
      ],
    },
  });
  return {
    env: {
      HL_INFO_URL: `${upstream.url}/info`,
      HL_WS_URL: `${upstream.url.replace("http", "ws")}/ws`,
      HL_FAMILY_SEED: JSON.stringify([
        { address: HLP, name: "HLP", role: "parent" },
        { address: LIQ, name: "HLP Liquidator", role: "liquidator" },
      ]),
      BINANCE_ENABLED: "false",
      COINBASE_ENABLED: "false",
    },
    connected: async () => {
      // Until the monitor has subscribed to the liquidator's fills (on a loaded machine that
      // came after a fixed wait from the connection, and the frame was lost)…
      for (let i = 0; i < 200 && !upstream.hasSubscriber(backstop()); i++)
        await new Promise((r) => setTimeout(r, 100));
      if (!upstream.hasSubscriber(backstop()))
        throw new Error("the monitor did not subscribe to the HLP Liquidator's fills in 20 s");
      // …then while it reads the family and the market its detectors need (the info requests
      // follow the subscriptions).
      await new Promise((r) => setTimeout(r, 1_500));
    },
    pushBackstop: () => upstream.push(backstop()),
    push: (message) => upstream.push(message),
    close: () => upstream.close(),
  };
}
