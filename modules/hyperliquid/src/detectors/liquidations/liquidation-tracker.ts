import type { Fill, HlObservation, LiquidationEvent, Trade } from "../../observations.ts";

/** A public trade with a liquidator vault on one side, waiting for the vault's own fill. */
interface Candidate {
  trade: Trade;
  liquidator: string;
  seenAt: number;
}

/** Remembers ids already classified, bounded. */
class SeenIds {
  readonly #set = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  has(id: string): boolean {
    return this.#set.has(id);
  }

  add(id: string): void {
    this.#set.add(id);
    if (this.#set.size > this.#max) {
      const oldest = this.#set.values().next();
      if (!oldest.done) this.#set.delete(oldest.value);
    }
  }
}

const LIQUIDATED_DIR = /^Liquidated (?:Cross|Isolated) (Long|Short)$/;
const ADL_DIR = "Auto-Deleveraging";

/**
 * Turns fills and public trades into liquidation events, each counted once.
 *
 * - Fills are authoritative: a fill with a `liquidation` object is a liquidation (backstop or
 *   market); a fill with dir "Auto-Deleveraging" is an ADL.
 * - A public trade with a liquidator vault as counterparty is either a backstop takeover or the
 *   vault unwinding what it inherited. It waits `confirmMs` for the vault's fill with the same
 *   trade id; without one, it counts as a takeover only if it grows the vault's last known
 *   position in that coin (an unwind shrinks it).
 */
export class LiquidationTracker {
  readonly #confirmMs: number;
  readonly #liquidators = new Set<string>();
  /** Last known signed position per liquidator and coin (from clearinghouseState). */
  readonly #positions = new Map<string, Map<string, number>>();
  readonly #pending = new Map<string, Candidate>();
  readonly #seen = new SeenIds(200_000);

  /** @param confirmMs how long a trade waits for its fill before the fallback applies. */
  constructor(confirmMs: number) {
    this.#confirmMs = confirmMs;
  }

  /** Liquidator vault addresses currently known. */
  get liquidators(): ReadonlySet<string> {
    return this.#liquidators;
  }

  /** Feeds one observation. @returns liquidation events it completes. */
  observe(obs: HlObservation, now: number): LiquidationEvent[] {
    switch (obs.type) {
      case "vaultFamily":
        this.#liquidators.clear();
        for (const m of obs.members) if (m.role === "liquidator") this.#liquidators.add(m.address);
        return [];
      case "vaultState":
        if (obs.vault.role === "liquidator") {
          this.#positions.set(
            obs.vault.address,
            new Map(obs.positions.map((p) => [p.coin, p.szi])),
          );
        }
        return [];
      case "fills":
        return this.#fills(obs.user, obs.fills);
      case "trades":
        for (const t of obs.trades) this.#trade(t, now);
        return [];
      default:
        return [];
    }
  }

  /** Classifies trades whose fill did not arrive in time. Call on every tick. */
  flush(now: number): LiquidationEvent[] {
    const out: LiquidationEvent[] = [];
    for (const [id, c] of this.#pending) {
      if (now - c.seenAt < this.#confirmMs) continue;
      this.#pending.delete(id);
      this.#seen.add(id);
      const bought = c.trade.buyer === c.liquidator;
      const held = this.#positions.get(c.liquidator)?.get(c.trade.coin) ?? 0;
      const grows = bought ? held >= 0 : held <= 0;
      if (!grows) continue;
      out.push({
        id,
        time: c.trade.time,
        coin: c.trade.coin,
        method: "backstop",
        // The liquidator inherits the liquidated side: buying means a long was liquidated.
        liquidatedSide: bought ? "long" : "short",
        px: c.trade.px,
        sz: c.trade.sz,
        notionalUsd: c.trade.px * c.trade.sz,
        liquidatedUser: bought ? c.trade.seller : c.trade.buyer,
        counterparty: c.liquidator,
      });
    }
    return out;
  }

  #trade(t: Trade, now: number): void {
    const buyer = this.#liquidators.has(t.buyer);
    const seller = this.#liquidators.has(t.seller);
    if (buyer === seller) return;
    const id = `${t.coin}:${t.tid}`;
    if (this.#seen.has(id) || this.#pending.has(id)) return;
    this.#pending.set(id, { trade: t, liquidator: buyer ? t.buyer : t.seller, seenAt: now });
  }

  #fills(user: string, fills: readonly Fill[]): LiquidationEvent[] {
    const out: LiquidationEvent[] = [];
    for (const f of fills) {
      const id = `${f.coin}:${f.tid}`;
      this.#pending.delete(id);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      const event = toEvent(id, user, f);
      if (event) out.push(event);
    }
    return out;
  }
}

function toEvent(id: string, user: string, f: Fill): LiquidationEvent | null {
  const isAdl = f.dir === ADL_DIR;
  if (!isAdl && f.liquidation === null) return null;
  const liquidatedUser = f.liquidation?.liquidatedUser ?? null;
  // From the liquidated account's own fill, its side is the closing side; from a counterparty's
  // fill (a liquidator taking over, or a trader hit by a liquidation or ADL), it is the opposite.
  const own = liquidatedUser === user || (isAdl && liquidatedUser === null);
  const dirSide = LIQUIDATED_DIR.exec(f.dir)?.[1];
  const liquidatedSide: "long" | "short" = dirSide
    ? dirSide === "Long"
      ? "long"
      : "short"
    : own === (f.side === "B")
      ? "short"
      : "long";
  return {
    id,
    time: f.time,
    coin: f.coin,
    method: isAdl ? "adl" : (f.liquidation?.method ?? "market"),
    liquidatedSide,
    px: f.px,
    sz: f.sz,
    notionalUsd: f.px * f.sz,
    liquidatedUser,
    counterparty: own ? null : user,
  };
}
