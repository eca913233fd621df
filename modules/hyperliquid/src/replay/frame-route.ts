import { subscriptionKey } from "../sources/index.ts";

/** Channels the replay server answers itself; recorded copies are not pushed. */
const SERVER_CHANNELS = new Set(["subscriptionResponse", "pong", "post", "error"]);

/**
 * The subscription key a recorded frame belongs to, so it reaches only clients subscribed to
 * that stream; "*" for frames whose stream cannot be told (pushed to every client); null for
 * frames the server generates itself.
 */
export function frameSubscription(msg: unknown): string | null {
  if (typeof msg !== "object" || msg === null) return "*";
  const m = msg as { channel?: unknown; data?: unknown };
  if (typeof m.channel !== "string") return "*";
  if (SERVER_CHANNELS.has(m.channel)) return null;
  const data = m.data as Record<string, unknown> | unknown[] | undefined;
  const first = Array.isArray(data) ? (data[0] as Record<string, unknown> | undefined) : data;
  const field = (name: string) =>
    first && typeof first === "object" ? (first as Record<string, unknown>)[name] : undefined;
  switch (m.channel) {
    case "trades":
    case "l2Book":
    case "bbo":
    case "activeAssetCtx":
      return subscriptionKey({ type: m.channel, coin: field("coin") });
    case "activeAssetData":
      return subscriptionKey({ type: m.channel, coin: field("coin"), user: field("user") });
    case "candle":
      return subscriptionKey({ type: "candle", coin: field("s"), interval: field("i") });
    case "allMids":
      return subscriptionKey({ type: "allMids", dex: field("dex") || undefined });
    case "user":
      return "userEvents";
    case "userFills":
    case "userFundings":
    case "userNonFundingLedgerUpdates":
    case "clearinghouseState":
    case "webData2":
    case "webData3":
    case "openOrders":
    case "orderUpdates":
      return subscriptionKey({ type: m.channel, user: field("user") });
    default:
      return "*";
  }
}

/** The routing key of a client's subscription, matching {@link frameSubscription}. */
export function clientSubscription(sub: Record<string, unknown>): string {
  if (sub.type === "userEvents") return "userEvents";
  if (sub.type === "allMids")
    return subscriptionKey({ type: "allMids", dex: sub.dex || undefined });
  return subscriptionKey(sub);
}
