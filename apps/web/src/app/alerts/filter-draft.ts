import type { AlertFilter, Severity } from "./alert-types.ts";

/** A filter as its form holds it: lists as comma-separated text, the amount as typed. */
export interface FilterDraft {
  minSeverity: Severity | "";
  detectors: string;
  kinds: string;
  subjects: string;
  chains: string;
  protocols: string;
  categories: string;
  minAmountUsd: string;
}

type ListField = "detectors" | "kinds" | "subjects" | "chains" | "protocols" | "categories";
const LISTS: readonly ListField[] = [
  "detectors",
  "kinds",
  "subjects",
  "chains",
  "protocols",
  "categories",
];

export const EMPTY_FILTER: FilterDraft = draftOf({});

export function draftOf(f: AlertFilter): FilterDraft {
  return {
    minSeverity: f.minSeverity ?? "",
    detectors: f.detectors?.join(", ") ?? "",
    kinds: f.kinds?.join(", ") ?? "",
    subjects: f.subjects?.join(", ") ?? "",
    chains: f.chains?.join(", ") ?? "",
    protocols: f.protocols?.join(", ") ?? "",
    categories: f.categories?.join(", ") ?? "",
    minAmountUsd: f.minAmountUsd === undefined ? "" : String(f.minAmountUsd),
  };
}

/**
 * The filter the API takes from a draft: empty fields left out (an empty filter receives every
 * alert); the API checks each value and names the field it refuses.
 */
export function filterOf(d: FilterDraft): AlertFilter {
  const f: AlertFilter = {};
  if (d.minSeverity) f.minSeverity = d.minSeverity;
  for (const name of LISTS) {
    const items = d[name]
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    if (items.length) f[name] = items;
  }
  if (d.minAmountUsd.trim() !== "") f.minAmountUsd = Number(d.minAmountUsd);
  return f;
}
