/**
 * A Hyperliquid stand-in for benchmarks, run as a child process: POST /info answers with small
 * valid payloads, /ws speaks the WebSocket protocol (greeting, acks, pongs) and, on command over
 * IPC, floods trades frames or injects liquidator fills stamped with their send time.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export const LIQUIDATOR = "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14";
export const HLP = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
export const COINS = Array.from(
  { length: 150 },
  (_, i) => (i < 3 ? ["BTC", "ETH", "SOL"][i] : `C${i}`) as string,
);

const series = [
  [Date.now() - 60_000, "0.0"],
  [Date.now(), "0.0"],
];
const period = { accountValueHistory: series, pnlHistory: series, vlm: "0.0" };
const INFO: Record<string, unknown> = {
  metaAndAssetCtxs: [
    { universe: COINS.map((name) => ({ name, szDecimals: 2, maxLeverage: 20 })) },
    COINS.map(() => ({
      funding: "0.0000125",
      openInterest: "100000.0",
      prevDayPx: "10.0",
      dayNtlVlm: "5000000.0",
      premium: "0.0",
      oraclePx: "10.0",
      markPx: "10.0",
      midPx: "10.0",
      impactPxs: ["9.99", "10.01"],
    })),
  ],
  perpsAtOpenInterestCap: [],
  userFillsByTime: [],
  portfolio: ["day", "week", "month", "allTime"].map((p) => [p, period]),
  clearinghouseState: {
    marginSummary: {
      accountValue: "1.0",
      totalNtlPos: "0.0",
      totalRawUsd: "1.0",
      totalMarginUsed: "0.0",
    },
    withdrawable: "1.0",
    assetPositions: [],
    time: Date.now(),
  },
};

function vaultDetails(address: string): unknown {
  const parent = address === HLP;
  return {
    name: parent ? "HLP" : "HLP Liquidator",
    vaultAddress: address,
    leader: HLP,
    isClosed: false,
    relationship: parent
      ? { type: "parent", data: { childAddresses: [LIQUIDATOR] } }
      : { type: "child" },
  };
}

let tid = 1;
const account = (i: number) => `0x${(0x1000 + i).toString(16).padStart(40, "a")}`;

/** Pre-serialised trades frames between ordinary accounts, 1 to 3 trades each. */
export function tradeFrames(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const coin = COINS[i % COINS.length] as string;
    const trades = Array.from({ length: 1 + (i % 3) }, (_, j) => ({
      coin,
      side: j % 2 ? "A" : "B",
      px: (10 + (i % 100) / 100).toFixed(2),
      sz: (1 + (i % 7)).toFixed(1),
      time: Date.now(),
      hash: `0x${(i * 3 + j).toString(16).padStart(64, "0")}`,
      tid: tid++,
      users: [account(i), account(i + 1)],
    }));
    out.push(JSON.stringify({ channel: "trades", data: trades }));
  }
  return out;
}

function fillFrame(coin: string): string {
  const t = tid++;
  return JSON.stringify({
    channel: "userFills",
    data: {
      user: LIQUIDATOR,
      fills: [
        {
          coin,
          px: "10.0",
          sz: "200000.0",
          side: "B",
          time: Date.now(),
          startPosition: "0.0",
          dir: "Liquidated Cross Long",
          closedPnl: "0.0",
          hash: `0x${t.toString(16).padStart(64, "0")}`,
          oid: t,
          crossed: true,
          fee: "0.0",
          tid: t,
          liquidation: { liquidatedUser: account(t), markPx: "10.0", method: "backstop" },
          feeToken: "USDC",
          twapId: null,
        },
      ],
    },
  });
}

const clients = new Set<WebSocket>();
const http = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    const q = JSON.parse(body || "{}") as { type?: string; vaultAddress?: string };
    const answer =
      q.type === "vaultDetails" ? vaultDetails(q.vaultAddress ?? "") : INFO[q.type ?? ""];
    res.writeHead(answer === undefined ? 404 : 200, { "content-type": "application/json" });
    res.end(JSON.stringify(answer ?? { error: "unknown" }));
  });
});
const wss = new WebSocketServer({ server: http, path: "/ws", perMessageDeflate: false });
wss.on("connection", (ws) => {
  clients.add(ws);
  ws.send("Websocket connection established.");
  ws.on("close", () => clients.delete(ws));
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString()) as { method: string; subscription?: unknown };
    if (msg.method === "ping") ws.send('{"channel":"pong"}');
    else
      ws.send(
        JSON.stringify({
          channel: "subscriptionResponse",
          data: { method: msg.method, subscription: msg.subscription },
        }),
      );
  });
});

/**
 * Sends frames as fast as the socket drains (never more than 16 MB buffered); `distinct`: every
 * frame its own trades (new tids after each pass over `frames`), as a real feed never repeats.
 */
async function flood(frames: string[], total: number, distinct = false): Promise<number> {
  const start = performance.now();
  const ws = [...clients][0];
  if (!ws) throw new Error("no client");
  let pass = frames;
  for (let i = 0; i < total; i++) {
    while (ws.bufferedAmount > 16 * 1024 * 1024) await new Promise((r) => setImmediate(r));
    if (distinct && i > 0 && i % frames.length === 0) pass = tradeFrames(frames.length);
    ws.send(pass[i % pass.length] as string);
  }
  return performance.now() - start;
}

/** Sends `rate` frames a second for `seconds`, plus a liquidator fill every `fillEveryMs`. */
async function paced(
  frames: string[],
  rate: number,
  seconds: number,
  fillEveryMs: number,
): Promise<number> {
  const ws = [...clients][0];
  if (!ws) throw new Error("no client");
  const start = performance.now();
  let sent = 0;
  let fills = 0;
  for (;;) {
    const elapsed = performance.now() - start;
    if (elapsed >= seconds * 1000) break;
    const due = Math.floor((elapsed / 1000) * rate);
    for (; sent < due; sent++) ws.send(frames[sent % frames.length] as string);
    if (elapsed >= fills * fillEveryMs) {
      ws.send(fillFrame(COINS[fills % COINS.length] as string));
      fills++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return fills;
}

http.listen(0, "127.0.0.1", () => {
  const port = (http.address() as AddressInfo).port;
  process.send?.({ type: "listening", port });
});
process.on(
  "message",
  async (m: {
    cmd: string;
    total?: number;
    rate?: number;
    seconds?: number;
    fillEveryMs?: number;
    distinct?: boolean;
  }) => {
    const frames = tradeFrames(20_000);
    if (m.cmd === "flood")
      process.send?.({
        type: "flooded",
        ms: await flood(frames, m.total ?? 0, m.distinct === true),
      });
    if (m.cmd === "paced")
      process.send?.({
        type: "paced",
        fills: await paced(frames, m.rate ?? 0, m.seconds ?? 0, m.fillEveryMs ?? 100),
      });
    if (m.cmd === "exit") process.exit(0);
  },
);
