/**
 * rekt.news leaderboard (https://rekt.news/leaderboard/, no API): one record per listed article.
 *
 * Layout, as public scrapers observe it: `ol.leaderboard-content > li`, each with the article
 * link `<a href="/<slug>/">Title - REKT</a>`, `span.leaderboard-audit` (audit status) and
 * `div.leaderboard-row-details` reading `"$<amount> | MM/DD/YYYY"`. When that list is missing
 * (the layout drifted), any `li` holding a link and a `$amount` or `M/D/Y` date is read instead.
 * The audit status is not kept (SourceRecord has no field for it).
 */
import { load } from "cheerio";
import type { ParseIssue, ParseResult, SourceRecord } from "../types.ts";
import { parseLoss } from "./amounts.ts";
import {
  absoluteUrl,
  type DomElement,
  findUsDate,
  innermost,
  readableText,
  squash,
} from "./html-helpers.ts";

const SITE = "https://rekt.news/";
const AUDIT = ".leaderboard-audit";
/** What marks a leaderboard row when the documented list is not there. */
const ROW_HINT = /\$\s*\d|(?<!\d)\d{1,2}\/\d{1,2}\/\d{2,4}(?!\d)/;
/** " - REKT", " - Rekt II", " - REKT 2", " - R3KT" at the end of a title. */
const REKT_SUFFIX = /\s*[-–—:|]\s*r[e3]kt(?:\s*(?:\d+|[ivx]+))?\s*$/i;

/** The protocol a leaderboard title names: the title without its " - REKT" suffix. */
export function rektProtocol(title: string): string {
  const stripped = title.replace(REKT_SUFFIX, "").trim();
  return stripped === "" ? title.trim() : stripped;
}

/** The article slug of a rekt.news link (`/ronin-rekt/` → `ronin-rekt`); null for other sites. */
function slugOf(href: string): string | null {
  const abs = absoluteUrl(href, SITE);
  if (!abs) return null;
  const url = new URL(abs);
  if (url.hostname !== "rekt.news" && url.hostname !== "www.rekt.news") return null;
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const slug = segments.at(-1);
  return slug && slug !== "leaderboard" ? decodeURIComponent(slug) : null;
}

type Read = { record: SourceRecord } | { problem: string };

function readItem($: ReturnType<typeof load>, li: DomElement): Read {
  const links = $(li).find("a[href]").toArray();
  const link = links.find((a) => slugOf($(a).attr("href") ?? "") !== null);
  const slug = link ? slugOf($(link).attr("href") ?? "") : null;

  let title = "";
  if (link) {
    const copy = $(link).clone();
    copy.find(AUDIT).remove();
    const node = copy.get(0);
    title = node ? readableText(node) : "";
  }

  let details = "";
  const detailsEl = $(li).find(".leaderboard-row-details").get(0);
  if (detailsEl) {
    details = readableText(detailsEl);
  } else {
    // Drifted layout: the row's text less the title and the audit status.
    const copy = $(li).clone();
    copy.find(`a, ${AUDIT}`).remove();
    const node = copy.get(0);
    details = node ? readableText(node) : "";
  }

  const date = findUsDate(details);
  const amountText = squash((date ? details.replace(date.text, " ") : details).replace(/\|/g, " "));
  const lossUsd = parseLoss(amountText).lossUsd;

  const missing: string[] = [];
  if (!link) missing.push("article link (a[href] to rekt.news/<slug>/)");
  if (link && title === "") missing.push("title");
  if (lossUsd === null) missing.push("loss amount ($…)");
  if (!date) missing.push("date (MM/DD/YYYY)");
  else if (!date.day) missing.push(`a valid date (read "${date.text}")`);
  if (missing.length > 0 || !slug || !date?.day || lossUsd === null) {
    const who = title ? `"${title}"${slug ? ` (${slug})` : ""}` : (slug ?? "untitled row");
    const read = details ? `; details read "${details}"` : "; no details text";
    return { problem: `${who}: missing ${missing.join(", ")}${read}` };
  }

  return {
    record: {
      source: "rekt",
      sourceKey: slug,
      protocol: rektProtocol(title),
      date: date.day,
      occurredAt: null,
      chains: [],
      classification: null,
      technique: null,
      lossUsd,
      original: null,
      returnedUsd: null,
      txHashes: [],
      url: `${SITE}${encodeURIComponent(slug)}/`,
    },
  };
}

/** The incidents listed on a saved https://rekt.news/leaderboard/ page. */
export function parseRektLeaderboard(html: string): ParseResult {
  const $ = load(html);
  let items = $("ol.leaderboard-content > li").toArray();
  if (items.length === 0) {
    const candidates = $("li")
      .toArray()
      .filter((li) => $(li).find("a[href]").length > 0 && ROW_HINT.test(readableText(li)));
    items = innermost($, candidates);
  }
  const issues: ParseIssue[] = [];
  const records: SourceRecord[] = [];
  if (items.length === 0) {
    issues.push({
      source: "rekt",
      at: "page",
      message:
        "leaderboard layout not recognised: no ol.leaderboard-content > li, and no li with a link and a '$amount | MM/DD/YYYY' text",
    });
    return { records, issues };
  }
  const firstSeen = new Map<string, number>();
  items.forEach((li, i) => {
    const at = `item ${i + 1}`;
    const read = readItem($, li);
    if ("problem" in read) {
      issues.push({ source: "rekt", at, message: read.problem });
      return;
    }
    const key = read.record.sourceKey;
    const earlier = firstSeen.get(key);
    if (earlier !== undefined) {
      issues.push({ source: "rekt", at, message: `${key}: same article as item ${earlier}` });
      return;
    }
    firstSeen.set(key, i + 1);
    records.push(read.record);
  });
  return { records, issues };
}
