import type { Incident, SourceRecord } from "../types.ts";
import { amountsAgree, daysApart, sameIncident, WIDE_DATE_WINDOW_DAYS } from "./match.ts";
import { incidentId, mergeRecords } from "./merge.ts";
import { protocolKey } from "./protocol-key.ts";

/** Shortest protocol key that may match another as its prefix. */
const PREFIX_MIN = 4;

function nextDay(date: string): string {
  return new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
}

/** A report's identity across re-syncs: `source:sourceKey`. */
export function reportKey(r: Pick<SourceRecord, "source" | "sourceKey">): string {
  return `${r.source}:${r.sourceKey}`;
}

/** An operator's decision, which outranks the matching rule and survives re-syncs. */
export interface Override {
  kind: "merge" | "split";
  /** Report keys (`source:sourceKey`). */
  a: string;
  b: string;
}

/**
 * Groups reports into incidents: reports sharing a transaction hash, or naming the same protocol
 * within the date window with agreeing losses, or naming it with more words on the same or the
 * next day with agreeing losses, are one incident (transitively); an operator's
 * merge joins two reports' incidents, a split keeps them apart whatever the rule says.
 * O(n log n): reports are compared only with those of the same protocol key, in date order.
 */
export function cluster(
  records: readonly SourceRecord[],
  overrides: readonly Override[] = [],
): SourceRecord[][] {
  const parent = records.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  const index = new Map(records.map((r, i) => [reportKey(r), i]));
  const splits = overrides
    .filter((o) => o.kind === "split")
    .map((o) => [index.get(o.a), index.get(o.b)] as const)
    .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
  const union = (i: number, j: number, forced = false): void => {
    const a = find(i);
    const b = find(j);
    if (a === b) return;
    if (!forced)
      for (const [x, y] of splits) {
        const fx = find(x);
        const fy = find(y);
        if ((fx === a && fy === b) || (fx === b && fy === a)) return;
      }
    parent[b] = a;
  };

  const byHash = new Map<string, number>();
  records.forEach((r, i) => {
    for (const h of r.txHashes) {
      const seen = byHash.get(h);
      if (seen === undefined) byHash.set(h, i);
      else union(seen, i);
    }
  });
  const keys = records.map((r) => protocolKey(r.protocol));
  const byProtocol = new Map<string, number[]>();
  records.forEach((_, i) => {
    const key = keys[i] as string;
    const members = byProtocol.get(key);
    if (members) members.push(i);
    else byProtocol.set(key, [i]);
  });
  for (const members of byProtocol.values()) {
    members.sort((x, y) =>
      (records[x] as SourceRecord).date.localeCompare((records[y] as SourceRecord).date),
    );
    for (let p = 0; p < members.length; p++) {
      const a = records[members[p] as number] as SourceRecord;
      for (let q = p + 1; q < members.length; q++) {
        const b = records[members[q] as number] as SourceRecord;
        if (daysApart(a.date, b.date) > WIDE_DATE_WINDOW_DAYS) break;
        if (sameIncident(a, b)) union(members[p] as number, members[q] as number);
      }
    }
  }
  // Names where one is the other with more words ("Projekt" and "Projekt Reward Vault"), on the
  // same day or the next: one incident when the losses agree.
  const byDay = new Map<string, number[]>();
  records.forEach((r, i) => {
    const members = byDay.get(r.date);
    if (members) members.push(i);
    else byDay.set(r.date, [i]);
  });
  records.forEach((a, i) => {
    const ka = keys[i] as string;
    if (ka.length < PREFIX_MIN) return;
    for (const d of [a.date, nextDay(a.date)])
      for (const j of byDay.get(d) ?? []) {
        const kb = keys[j] as string;
        if (j === i || kb === ka || kb.length < PREFIX_MIN) continue;
        if ((ka.startsWith(kb) || kb.startsWith(ka)) && amountsAgree(a, records[j] as SourceRecord))
          union(i, j);
      }
  });
  for (const o of overrides) {
    const i = index.get(o.a);
    const j = index.get(o.b);
    if (o.kind === "merge" && i !== undefined && j !== undefined) union(i, j, true);
  }

  const groups = new Map<number, SourceRecord[]>();
  records.forEach((r, i) => {
    const root = find(i);
    const members = groups.get(root);
    if (members) members.push(r);
    else groups.set(root, [r]);
  });
  return [...groups.values()];
}

/**
 * Incidents from clusters, keeping the ids of a previous sync: a cluster takes the id most of its
 * reports had (a new report joining an incident does not rename it); a cluster without one gets
 * `exp_<date>_<protocol>` (with `_2`, `_3`… when taken).
 */
export function toIncidents(
  clusters: readonly SourceRecord[][],
  previous: ReadonlyMap<string, string> = new Map(),
): Incident[] {
  const taken = new Set<string>();
  const previousIds = new Set(previous.values());
  const out: Incident[] = [];
  // Larger clusters first, so that when a split divides an incident the bigger part keeps its id.
  const ordered = [...clusters].sort((a, b) => b.length - a.length);
  for (const members of ordered) {
    const votes = new Map<string, number>();
    for (const r of members) {
      const id = previous.get(reportKey(r));
      if (id && !taken.has(id)) votes.set(id, (votes.get(id) ?? 0) + 1);
    }
    let id = [...votes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
    if (!id) {
      const merged = mergeRecords(members);
      const base = incidentId(merged.date, merged.protocol);
      id = base;
      for (let n = 2; taken.has(id) || previousIds.has(id); n++) id = `${base}_${n}`;
    }
    taken.add(id);
    out.push(mergeRecords(members, id));
  }
  return out.sort((a, b) => b.date.localeCompare(a.date) || a.id.localeCompare(b.id));
}
