import { decimal } from "@kamiyo/core";
import { z } from "zod";
import type { Fill, Trade } from "../../observations.ts";
import { validate } from "../validate.ts";
import { address, assetCtxSchema, fillSchema, tradeSchema } from "./schemas.ts";

/** The plain-text greeting Hyperliquid sends on connect, before any JSON. */
export const GREETING = "Websocket connection established.";

/** A parsed server frame. */
export type WsFrame =
  | { channel: "trades"; trades: Trade[] }
  | { channel: "userFills"; user: string; fills: Fill[]; snapshot: boolean }
  /** `userEvents` frames; only their fills are kept. */
  | { channel: "user"; fills: Fill[] }
  | { channel: "allMids"; mids: Map<string, number> }
  | {
      channel: "allDexsAssetCtxs";
      dexes: { dex: string; ctxs: z.output<typeof assetCtxSchema>[] }[];
    }
  | { channel: "subscriptionResponse"; method: string; subscription: Record<string, unknown> }
  | { channel: "pong" }
  | { channel: "error"; message: string }
  | { channel: "greeting" }
  | { channel: "other"; name: string };

export type FrameResult =
  | { ok: true; frame: WsFrame }
  | { ok: false; reason: "malformed" | "invalid"; channel: string | null; error: string };

const envelope = z.object({ channel: z.string(), data: z.unknown().optional() });

const DATA = {
  trades: z.array(tradeSchema),
  userFills: z.object({
    user: address,
    fills: z.array(fillSchema),
    isSnapshot: z.boolean().optional(),
  }),
  user: z.object({ fills: z.array(fillSchema).optional() }),
  allMids: z.object({ mids: z.record(z.string(), decimal) }),
  allDexsAssetCtxs: z.object({ ctxs: z.array(z.tuple([z.string(), z.array(assetCtxSchema)])) }),
  subscriptionResponse: z.object({
    method: z.string(),
    subscription: z.record(z.string(), z.unknown()),
  }),
  error: z.string(),
} as const;

/** Parses one text frame; never throws. */
export function parseFrame(text: string): FrameResult {
  if (text === GREETING) return { ok: true, frame: { channel: "greeting" } };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {
      ok: false,
      reason: "malformed",
      channel: null,
      error: `not JSON: ${JSON.stringify(text.slice(0, 60))}`,
    };
  }
  const env = envelope.safeParse(raw);
  if (!env.success) return { ok: false, reason: "invalid", channel: null, error: "no channel" };
  const { channel, data } = env.data;
  const fail = (error: string): FrameResult => ({ ok: false, reason: "invalid", channel, error });
  switch (channel) {
    case "pong":
      return { ok: true, frame: { channel } };
    case "trades": {
      const r = validate(DATA.trades, data);
      return r.ok ? { ok: true, frame: { channel, trades: r.value } } : fail(r.error);
    }
    case "userFills": {
      const r = validate(DATA.userFills, data);
      return r.ok
        ? {
            ok: true,
            frame: {
              channel,
              user: r.value.user,
              fills: r.value.fills,
              snapshot: r.value.isSnapshot === true,
            },
          }
        : fail(r.error);
    }
    case "user": {
      const r = validate(DATA.user, data);
      return r.ok ? { ok: true, frame: { channel, fills: r.value.fills ?? [] } } : fail(r.error);
    }
    case "allMids": {
      const r = validate(DATA.allMids, data);
      return r.ok
        ? { ok: true, frame: { channel, mids: new Map(Object.entries(r.value.mids)) } }
        : fail(r.error);
    }
    case "allDexsAssetCtxs": {
      const r = validate(DATA.allDexsAssetCtxs, data);
      return r.ok
        ? {
            ok: true,
            frame: { channel, dexes: r.value.ctxs.map(([dex, ctxs]) => ({ dex, ctxs })) },
          }
        : fail(r.error);
    }
    case "subscriptionResponse": {
      const r = validate(DATA.subscriptionResponse, data);
      return r.ok ? { ok: true, frame: { channel, ...r.value } } : fail(r.error);
    }
    case "error": {
      const r = validate(DATA.error, data);
      return r.ok ? { ok: true, frame: { channel, message: r.value } } : fail(r.error);
    }
    default:
      return { ok: true, frame: { channel: "other", name: channel } };
  }
}

/** A subscription object as sent to the server, e.g. `{ type: "trades", coin: "ETH" }`. */
export type Subscription = { type: string } & Record<string, string | number | boolean | null>;

/**
 * Identity of a subscription for acknowledgement matching: the type and the coin, user or
 * interval that select the stream (servers may echo extra default fields).
 */
export function subscriptionKey(sub: Record<string, unknown>): string {
  const user = typeof sub.user === "string" ? sub.user.toLowerCase() : "";
  return [sub.type, sub.coin ?? "", user, sub.interval ?? "", sub.dex ?? ""].join("|");
}
