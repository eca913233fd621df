/**
 * Helpers shared by the parsers of scraped HTML pages (rekt.news, SlowMist Hacked): readable text
 * of a DOM node, values that follow a label ("Amount of loss: …"), US and ISO dates. The DOM comes from cheerio; no regular expression sees HTML here,
 * only the text cheerio extracted.
 */
import type { Cheerio, CheerioAPI } from "cheerio";
import { isIsoDay } from "./dates.ts";

type Root = ReturnType<CheerioAPI["root"]>;
/** A DOM node as cheerio gives it (text, element, comment…). */
export type DomNode = ReturnType<Root["contents"]> extends Cheerio<infer N> ? N : never;
/** A DOM element as cheerio gives it. */
export type DomElement = ReturnType<Root["find"]> extends Cheerio<infer E> ? E : never;

/** Elements that do not break words: their text joins that of their neighbours. */
const INLINE = new Set([
  "a",
  "abbr",
  "b",
  "bdi",
  "bdo",
  "cite",
  "code",
  "data",
  "dfn",
  "em",
  "font",
  "i",
  "kbd",
  "label",
  "mark",
  "q",
  "s",
  "samp",
  "small",
  "span",
  "strong",
  "sub",
  "sup",
  "time",
  "u",
  "var",
]);

/** Collapses runs of white space (including no-break spaces) and trims. */
export function squash(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/**
 * The text of a node as a reader sees it: block elements and `<br>` separate their text from
 * their neighbours', inline elements do not; scripts, styles and comments are skipped.
 */
export function readableText(node: DomNode): string {
  const parts: string[] = [];
  const walk = (n: DomNode): void => {
    if (n.type === "text") {
      parts.push(n.data);
      return;
    }
    if (n.type === "script" || n.type === "style" || !("children" in n)) return;
    const inline = "name" in n && INLINE.has(n.name);
    if (!inline) parts.push(" ");
    for (const c of n.children) walk(c);
    if (!inline) parts.push(" ");
  };
  walk(node);
  return squash(parts.join(""));
}

/** Elements of `els` that are not inside another element of `els`. */
export function outermost($: CheerioAPI, els: DomElement[]): DomElement[] {
  const set = new Set(els);
  return els.filter(
    (el) =>
      !$(el)
        .parents()
        .toArray()
        .some((p) => set.has(p)),
  );
}

/** Elements of `els` that contain no other element of `els`. */
export function innermost($: CheerioAPI, els: DomElement[]): DomElement[] {
  const set = new Set(els);
  return els.filter(
    (el) =>
      !$(el)
        .find("*")
        .toArray()
        .some((d) => set.has(d)),
  );
}

/**
 * The text that follows `label` inside `scope`, up to the first of `stops` (the other labels):
 * read from the smallest element that holds the label, widened to its parent while that leaves
 * nothing after the label (`<strong>Label:</strong> value`). Null when the label is not there.
 */
export function labelValue(
  $: CheerioAPI,
  scope: DomElement,
  label: RegExp,
  stops: readonly RegExp[],
): string | null {
  const holders = [scope, ...$(scope).find("*").toArray()].filter((el) =>
    label.test(readableText(el)),
  );
  const smallest = innermost($, holders)[0];
  if (!smallest) return null;
  let el: DomElement = smallest;
  for (;;) {
    const text = readableText(el);
    const m = label.exec(text);
    let after = m ? text.slice(m.index + m[0].length) : "";
    for (const stop of stops) {
      const s = stop.exec(after);
      if (s) after = after.slice(0, s.index);
    }
    const value = squash(after);
    const parent = el.parent;
    if (value !== "" || el === scope || !parent || parent.type !== "tag") return value;
    el = parent;
  }
}

function day(y: number, m: number, d: number): string | null {
  const iso = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  return y >= 1990 && y <= 2100 && isIsoDay(iso) ? iso : null;
}

const US_DATE = /(?<!\d)(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?!\d)/;
const ISO_DATE = /(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)/;

/** The first US date (`MM/DD/YYYY`, `M/D/YYYY`, `MM/DD/YY` read as 20YY) in `s`, and where. */
export function findUsDate(s: string): { day: string | null; text: string } | null {
  const m = US_DATE.exec(s);
  if (!m) return null;
  const year = (m[3] ?? "").length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
  return { day: day(year, Number(m[1]), Number(m[2])), text: m[0] };
}

/** `YYYY-MM-DD` (or with `/` or `.`) anywhere in `s`, as `YYYY-MM-DD`; null when none or invalid. */
export function isoDay(s: string): string | null {
  const m = ISO_DATE.exec(s);
  return m ? day(Number(m[1]), Number(m[2]), Number(m[3])) : null;
}

/** `href` made absolute against `base`; null when it is not a web address. */
export function absoluteUrl(href: string, base: string): string | null {
  try {
    const u = new URL(href.trim(), base);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}
