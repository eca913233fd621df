/**
 * The exploit-intelligence benchmark: parse the real DeFiHackLabs files, then import and
 * de-duplicate about 10,000 incidents. The real data hold 1,373 reports (980 incidents); copies
 * shifted by whole years with renamed protocols (`ck Name`) make the volume while keeping the real
 * mix of sources, spellings, dates and amounts. Measured on a fresh database, then a re-sync.
 */
import { readFileSync } from "node:fs";
import {
  importRecords,
  parseDefiHackLabsReadme,
  parseExplorer,
  type SourceRecord,
} from "@kamiyo/intel";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const fixture = (name: string) =>
  readFileSync(new URL(`../modules/intel/fixtures/${name}`, import.meta.url), "utf8");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function shifted(records: readonly SourceRecord[], k: number): SourceRecord[] {
  return records.map((r) => {
    const year = Number(r.date.slice(0, 4)) - 10 * k;
    return {
      ...r,
      sourceKey: `${r.sourceKey}~${k}`,
      protocol: `c${k} ${r.protocol}`,
      date: `${year}${r.date.slice(4)}`,
      txHashes: r.txHashes.map((h) => `${h}~${k}`),
    };
  });
}

export async function intelBench(opts: {
  databaseUrl: string | undefined;
  kinds: Set<string>;
}): Promise<Row[]> {
  const rows: Row[] = [];
  const t0 = performance.now();
  const real = [
    ...parseExplorer(fixture("incidents.json")).records,
    ...["DeFiHackLabs-README.md.txt", "past-2024-README.md.txt", "past-2025-README.md.txt"].flatMap(
      (f) => parseDefiHackLabsReadme(fixture(f)).records,
    ),
  ];
  const parseMs = performance.now() - t0;
  const copies = 11;
  const records = Array.from({ length: copies }, (_, k) => shifted(real, k)).flat();
  for (const kind of ["postgres", "pglite"] as const) {
    if (!opts.kinds.has(kind) || (kind === "postgres" && !opts.databaseUrl)) continue;
    const {
      db,
      storage,
      close: cleanup,
    } = await openBenchDb("intel", kind === "postgres" ? opts.databaseUrl : undefined);
    const t1 = performance.now();
    const first = await importRecords(db, records, Date.now());
    const firstMs = performance.now() - t1;
    const t2 = performance.now();
    const again = await importRecords(db, records, Date.now());
    const againMs = performance.now() - t2;
    rows.push([
      `Exploit intel: import and de-duplicate ${fmt(first.incidents)} incidents (${storage})`,
      `${(firstMs / 1000).toFixed(2)} s`,
      `${fmt(records.length)} reports (the 1,373 real DeFiHackLabs reports ×${copies}, shifted by decades and renamed) → ${fmt(first.incidents)} incidents, stored in one transaction on an empty database; a re-sync of the same reports (nothing changed: ${again.created.length} new, ${again.changed.length} changed) took ${(againMs / 1000).toFixed(2)} s; parsing the real files (912 JSON rows, 463 Markdown sections) took ${fmt(parseMs)} ms`,
    ]);
    await cleanup();
  }
  return rows;
}
