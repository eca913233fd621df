import type { OriginalAmount } from "../types.ts";

/**
 * USD stablecoins counted as USD one for one (upper-case symbols). Deliberately narrow: fiat-backed
 * or long-established dollar coins and their bridged forms. Wrappers and yield shares (cUSDC,
 * sUSDe, syrupUSDC, LP shares) are not in it: they are worth more or less than a dollar.
 */
export const USD_STABLECOINS: ReadonlySet<string> = new Set([
  "USDT",
  "USDC",
  "DAI",
  "BUSD",
  "USDE",
  "FDUSD",
  "TUSD",
  "USDP",
  "PYUSD",
  "USDS",
  "GUSD",
  "LUSD",
  "FRAX",
  "GHO",
  "CRVUSD",
  "USDC.E",
  "USDT.E",
  "USDBC",
  "USDT0",
  "BSC-USD",
]);

const USD_UNITS = new Set(["USD", "US$", "$", "USDOLLAR"]);

/** How a unit is valued: US dollars, a USD stablecoin (one for one), or anything else. */
export type UnitKind = "usd" | "stablecoin" | "token";

/** Classify a unit as a source writes it (`USD`, `$`, `USDC`, `$BUSD`, `ETH`…), case-insensitive. */
export function unitKind(unit: string): UnitKind {
  const u = unit.trim().toUpperCase();
  if (USD_UNITS.has(u)) return "usd";
  return USD_STABLECOINS.has(u.replace(/^\$/, "")) ? "stablecoin" : "token";
}

/**
 * A number as written in English or European style: `1,234.5`, `1.234,5`, `4,5` (= 4.5),
 * `0,0067`. A lone comma is a thousands separator only when exactly three digits follow it.
 * Returns null for anything else.
 */
export function parseNumber(text: string): number | null {
  let s = text.trim();
  if (!/^\d[\d.,]*$/.test(s)) return null;
  s = s.replace(/[.,]+$/, "");
  const commas = (s.match(/,/g) ?? []).length;
  const dots = (s.match(/\./g) ?? []).length;
  if (commas > 0 && dots > 0) {
    s =
      s.lastIndexOf(".") > s.lastIndexOf(",")
        ? s.replace(/,/g, "")
        : s.replace(/\./g, "").replace(",", ".");
  } else if (commas > 0) {
    s = /^\d{1,3}(,\d{3})+$/.test(s)
      ? s.replace(/,/g, "")
      : commas === 1
        ? s.replace(",", ".")
        : "";
  } else if (dots > 1) {
    s = /^\d{1,3}(\.\d{3})+$/.test(s) ? s.replace(/\./g, "") : "";
  }
  const n = Number(s);
  return s !== "" && Number.isFinite(n) ? n : null;
}

/** A decimal string (`"55700000"`, `"164.35"`) as a number; null for anything else. */
export function parseDecimalString(text: string): number | null {
  return /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : null;
}

const MULTIPLIERS: Record<string, number> = {
  k: 1e3,
  m: 1e6,
  mn: 1e6,
  million: 1e6,
  b: 1e9,
  bn: 1e9,
  billion: 1e9,
};

/** Lower-case words accepted as units; other lower-case words after a number are prose. */
const LOWER_TICKERS = new Set([
  "eth",
  "weth",
  "bnb",
  "wbnb",
  "btc",
  "wbtc",
  "sol",
  "usd",
  "usdt",
  "usdc",
  "dai",
  "busd",
  "avax",
  "matic",
  "ftm",
]);

const AMOUNT =
  /(?<usd1>US\$|\$)?\s*[~≈>]?\s*(?<usd2>US\$|\$)?\s*(?<num>\d[\d.,]*\d|\d)(?:\s*(?<suf>billion|million|bn|mn|k|m|b)(?![a-z]))?\+?\s*(?<unit>US\$|\$?[A-Za-z][A-Za-z0-9.-]*|\$)?/i;
const SEPARATOR = /^\s*(?:\+|&|,|and\b)\s*(?=[~≈>]?\s*(?:US)?\$?\s*[~≈]?\s*\d)/i;

interface Part {
  amount: number;
  /** null when no unit is written (a bare number, or `$` alone before it). */
  unit: string | null;
  dollar: boolean;
  end: number;
}

function readAmount(text: string, from: number): Part | null {
  const m = AMOUNT.exec(text.slice(from));
  const g = m?.groups;
  if (!m || !g?.num) return null;
  const base = parseNumber(g.num);
  if (base === null) return null;
  const mult = g.suf ? (MULTIPLIERS[g.suf.toLowerCase()] ?? 1) : 1;
  let unit = g.unit?.replace(/[.-]+$/, "") ?? null;
  let end = from + m.index + m[0].length;
  if (unit && !/[A-Z$]/.test(unit)) {
    if (LOWER_TICKERS.has(unit)) unit = unit.toUpperCase();
    else {
      end -= (g.unit ?? "").length;
      unit = null;
    }
  }
  // "$~150 BNB": a written token unit wins over a stray "$".
  const usdUnit = unit !== null && unitKind(unit) === "usd";
  const dollar = usdUnit || (unit === null && Boolean(g.usd1 || g.usd2));
  if (usdUnit) unit = null;
  return {
    amount: Number((base * mult).toPrecision(15)),
    unit: unit?.replace(/^\$/, "") ?? null,
    dollar,
    end,
  };
}

function readParts(head: string): Part[] {
  const first = readAmount(head, 0);
  if (!first) return [];
  const parts = [first];
  for (let at = first.end; ; ) {
    const sep = SEPARATOR.exec(head.slice(at));
    if (!sep) return parts;
    const next = readAmount(head, at + sep[0].length);
    if (!next) return parts;
    parts.push(next);
    at = next.end;
  }
}

function usdOf(p: Part): number | null {
  if (p.unit === null) return p.amount;
  return unitKind(p.unit) === "stablecoin" ? p.amount : null;
}

/** The parenthesis when it is exactly one token amount, `(2.13 BNB)`: the loss in that token. */
function restatedToken(paren: string | undefined, parts: Part[]): OriginalAmount | null {
  const only = parts.length === 1 ? parts[0] : undefined;
  if (paren === undefined || !only?.unit || !/^\s*[~≈]?\s*\d/.test(paren)) return null;
  return only.end >= paren.trimEnd().length ? { amount: only.amount, unit: only.unit } : null;
}

/** A loss read from free text: USD when the text gives USD, and the token amount when one is named. */
export interface ParsedLoss {
  lossUsd: number | null;
  original: OriginalAmount | null;
}

/**
 * Read a DeFiHackLabs-style "Lost:" text. Rules, in order:
 * - Only the text before the first `(` or `;` is the loss; one parenthesis right after it is a
 *   restatement. Markers `~ ≈ > +` (approximate, lower bound) are dropped.
 * - `$`, `US$` or `USD` → USD; a bare number (`1.5B`, `~150K`) is USD too, as DeFiHackLabs writes
 *   dollar figures that way, unless the parenthesis says `(<SYM> token)`.
 * - A USD stablecoin (see {@link USD_STABLECOINS}) → lossUsd, and `original` keeps the unit.
 * - Another token → `original`; lossUsd only from a USD figure in the parenthesis, never a price.
 * - Several assets (`+`, `&`, `and`, `,`) → their sum when all are USD or stablecoins, else the
 *   parenthesis' USD figure or null; `original` stays null (it holds one amount).
 * - No amount (`Unclear`, `unknown`, `N/A …`) → both null.
 */
export function parseLoss(text: string): ParsedLoss {
  const t = text.replace(/～/g, "~").replace(/\s+/g, " ").trim();
  const cut = t.search(/[(;]/);
  const head = cut < 0 ? t : t.slice(0, cut);
  const paren = cut >= 0 && t[cut] === "(" ? /^\(([^)]*)\)/.exec(t.slice(cut))?.[1] : undefined;
  const parts = readParts(head);
  const first = parts[0];
  if (!first) return { lossUsd: null, original: null };
  const parenParts = paren === undefined ? [] : readParts(paren);
  const parenUsd = parenParts.find((p) => p.dollar)?.amount ?? null;

  if (parts.length > 1) {
    const usd = parts.map(usdOf);
    const sum = usd.every((v) => v !== null)
      ? Number(usd.reduce<number>((a, v) => a + (v ?? 0), 0).toPrecision(15))
      : null;
    return { lossUsd: sum ?? parenUsd, original: null };
  }
  if (first.unit === null) {
    const tokenUnit = paren === undefined ? undefined : /^\s*(\w+) token\s*$/i.exec(paren)?.[1];
    if (tokenUnit && !first.dollar) {
      return { lossUsd: null, original: { amount: first.amount, unit: tokenUnit } };
    }
    return { lossUsd: first.amount, original: restatedToken(paren, parenParts) };
  }
  const original = { amount: first.amount, unit: first.unit };
  return { lossUsd: unitKind(first.unit) === "stablecoin" ? first.amount : parenUsd, original };
}
