/**
 * SlowMist Hacked (https://hacked.slowmist.io/, no API): one record per listed incident.
 *
 * Layout, as public scrapers observe it: `div.case-content ul li`, each with `span.time` (the
 * day, `YYYY-MM-DD`), `h3` "Hacked target: …", a first `p` "Description of the event: …", a
 * second `p` holding "Amount of loss: …" and "Attack method: …", and `p.link-reference a[href]`.
 * When that list is missing (the layout drifted), each incident is found from its
 * "Hacked target:" label instead: the largest element around the label that holds no other
 * incident's label.
 *
 * Chains come only from the page's category (`?c=ETH`, `?c=BSC`…): an incident's own text does
 * not name its chain reliably, and categories such as "Bridge" or "Exchange" are not chains.
 */
import { load } from "cheerio";
import { canonicalChains } from "../chains.ts";
import type { ParseIssue, ParseResult, SourceRecord } from "../types.ts";
import { parseLoss } from "./amounts.ts";
import { txHashesInLinks } from "./explorers.ts";
import {
  absoluteUrl,
  type DomElement,
  isoDay,
  labelValue,
  outermost,
  readableText,
  squash,
} from "./html-helpers.ts";
import { keyAllocator } from "./keys.ts";

const SITE = "https://hacked.slowmist.io/";

const TARGET = /hacked\s+target\s*[:：]/i;
const DESCRIPTION = /description\s+of\s+the\s+event\s*[:：]/i;
const LOSS = /amount\s+of\s+loss\s*[:：]/i;
const METHOD = /attack\s+method\s*[:：]/i;
const LABELS = [TARGET, DESCRIPTION, LOSS, METHOD];

/** Values that say "not known" rather than name a technique. */
const NO_VALUE = /^(?:[-–—]+|unknown|n\/?a|none|tbd)$/i;

/**
 * SlowMist categories that are chains (lower-cased), as written in `?c=`; everything else
 * ("Bridge", "Exchange", "Wallet", "DeFi", "NFT", "Others"…) says nothing about the chain.
 */
const CHAIN_CATEGORIES = new Set([
  "eth",
  "ethereum",
  "bsc",
  "bnb chain",
  "polygon",
  "matic",
  "arbitrum",
  "optimism",
  "op",
  "base",
  "avalanche",
  "avax",
  "fantom",
  "ftm",
  "solana",
  "sol",
  "tron",
  "trx",
  "btc",
  "bitcoin",
  "eos",
  "ton",
  "near",
  "aptos",
  "sui",
  "cosmos",
  "zksync",
  "zksync era",
  "linea",
  "scroll",
  "blast",
  "mantle",
  "metis",
  "sonic",
  "berachain",
  "sei",
  "harmony",
  "cronos",
  "heco",
  "klaytn",
  "kaia",
  "ronin",
  "gnosis",
  "celo",
  "kava",
  "moonriver",
  "moonbeam",
  "hyperliquid",
  "pulsechain",
]);

/** Canonical chains named by the `c` (category) parameter of a SlowMist page address. */
export function slowMistCategoryChains(pageUrl: string | undefined): string[] {
  if (!pageUrl) return [];
  const abs = absoluteUrl(pageUrl, SITE);
  if (!abs) return [];
  const category = new URL(abs).searchParams.get("c")?.trim() ?? "";
  return CHAIN_CATEGORIES.has(category.toLowerCase()) ? canonicalChains([category]) : [];
}

/** Incidents of the documented layout: `div.case-content ul li` (not nested ones). */
function documentedItems($: ReturnType<typeof load>): DomElement[] {
  const lis = outermost($, $("div.case-content ul li").toArray());
  return lis.filter((li) => {
    const text = readableText(li);
    return $(li).find("span.time, h3").length > 0 || LABELS.some((l) => l.test(text));
  });
}

/** Incidents found from their "Hacked target:" labels, whatever wraps them. */
function itemsByLabel($: ReturnType<typeof load>): DomElement[] {
  const out: DomElement[] = [];
  const labelled = $("body *")
    .toArray()
    .filter((el) =>
      TARGET.test(
        $(el)
          .contents()
          .toArray()
          .map((n) => (n.type === "text" ? n.data : ""))
          .join(""),
      ),
    );
  for (const label of labelled) {
    let box: DomElement = label;
    for (;;) {
      const parent = box.parent;
      if (parent?.type !== "tag" || parent.name === "body") break;
      const count = readableText(parent).split(/hacked\s+target\s*[:：]/i).length - 1;
      if (count > 1) break;
      box = parent;
    }
    if (!out.includes(box)) out.push(box);
  }
  return out;
}

function dateText($: ReturnType<typeof load>, item: DomElement): string {
  const el = $(item).find("span.time, time, [class*=time], [class*=date]").get(0);
  if (!el) return "";
  return squash($(el).attr("datetime") ?? "") || readableText(el);
}

type Read = { record: SourceRecord } | { problem: string };

function readItem(
  $: ReturnType<typeof load>,
  item: DomElement,
  chains: string[],
  pageUrl: string,
): Read {
  const others = (own: RegExp) => LABELS.filter((l) => l !== own);
  let target = labelValue($, item, TARGET, others(TARGET));
  if (!target) {
    const h3 = $(item).find("h3").get(0);
    target = h3 ? readableText(h3) : "";
  }
  const rawDate = dateText($, item);
  const date = isoDay(rawDate);
  const lossText = labelValue($, item, LOSS, others(LOSS));
  const loss = lossText === null ? null : parseLoss(lossText);
  // Digits that still give no amount are unreadable; "--", "Unknown"… have none: the loss is unknown.
  const unreadable =
    loss !== null && loss.lossUsd === null && loss.original === null && /\d/.test(lossText ?? "");
  const method = labelValue($, item, METHOD, others(METHOD));

  const missing: string[] = [];
  if (!target) missing.push("target (h3 'Hacked target:')");
  if (!rawDate) missing.push("date (span.time)");
  else if (!date) missing.push(`a valid date (read "${rawDate}")`);
  if (lossText === null) missing.push("'Amount of loss:'");
  else if (lossText === "") missing.push("a value after 'Amount of loss:'");
  else if (unreadable) missing.push(`a readable loss amount (read "${lossText}")`);
  if (missing.length > 0 || !date || !target || !loss) {
    const who = target ? `"${target}"` : "untitled incident";
    return { problem: `${who}${rawDate ? ` (${rawDate})` : ""}: missing ${missing.join(", ")}` };
  }

  const hrefs = $(item)
    .find("a[href]")
    .toArray()
    .map((a) => absoluteUrl($(a).attr("href") ?? "", pageUrl))
    .filter((u): u is string => u !== null);
  const refEl = $(item).find("p.link-reference a[href], [class*=reference] a[href]").get(0);
  const reference = refEl ? absoluteUrl($(refEl).attr("href") ?? "", pageUrl) : null;

  return {
    record: {
      source: "slowmist",
      sourceKey: `${date}-${target}`,
      protocol: target,
      date,
      occurredAt: null,
      chains: [...chains],
      classification: null,
      technique: method && !NO_VALUE.test(method) ? method : null,
      lossUsd: loss.lossUsd,
      original: loss.original,
      returnedUsd: null,
      txHashes: txHashesInLinks(hrefs.join("\n")),
      url: reference ?? pageUrl,
    },
  };
}

/**
 * The incidents on a saved SlowMist Hacked page. `pageUrl` is the address it was saved from:
 * its category (`?c=ETH`) gives the chain, and relative links resolve against it.
 */
export function parseSlowMist(html: string, pageUrl?: string): ParseResult {
  const $ = load(html);
  const base = (pageUrl && absoluteUrl(pageUrl, SITE)) || SITE;
  const chains = slowMistCategoryChains(pageUrl);
  let items = documentedItems($);
  if (items.length === 0) items = itemsByLabel($);
  const issues: ParseIssue[] = [];
  const records: SourceRecord[] = [];
  if (items.length === 0) {
    issues.push({
      source: "slowmist",
      at: "page",
      message:
        "SlowMist Hacked layout not recognised: no div.case-content ul li, and no 'Hacked target:' label",
    });
    return { records, issues };
  }
  const keyFor = keyAllocator();
  items.forEach((item, i) => {
    const read = readItem($, item, chains, base);
    if ("problem" in read) {
      issues.push({ source: "slowmist", at: `item ${i + 1}`, message: read.problem });
      return;
    }
    // Two incidents of one target on one day stay apart: the second gets "#2", and so on.
    records.push({ ...read.record, sourceKey: keyFor(read.record.sourceKey) });
  });
  return { records, issues };
}
