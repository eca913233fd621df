/**
 * The RCA module's accuracy on labelled Nezha fault-injection days, through the product's path
 * (`evaluateStored`: a temporary embedded database, the day through the ingest, one RCA query per
 * injected fault as POST /rca/analyses asks it): service-level AC@k per day over all cases, the
 * tuning half (first half of the day's fault hours) and the held-out half, and per fault type;
 * then the same cases ranked in memory from the raw series (`runCases`), for comparison.
 * Run: npm run rca:nezha -- [DIR] [--day YYYY-MM-DD] [--json | --compare]
 * --json prints the product path's accuracy. --compare prints AC@1 / AC@3 of the ranking's
 * alternatives that were measured against the defaults, in memory (the grid needs no database).
 * DIR holds rca_data/<day>/ and construct_data/<day>/ (default: modules/rca/fixtures/nezha, every
 * day in it), or is a day's rca_data/<day> folder itself. The migrated database template is
 * cached in KAMIYO_CACHE_DIR (default .kamiyo/cache), as the app's.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openMigratedTemporary } from "@kamiyo/db";
import { DEFAULT_RANK, type RankOptions } from "../modules/rca/src/analysis/rank.ts";
import { rcaMigrations } from "../modules/rca/src/module.ts";
import {
  type Accuracy,
  accuracy,
  DEFAULT_EVALUATE,
  type EvaluateOptions,
  evaluateStored,
  faultTypeAccuracy,
  graphOfDay,
  loadNezhaDay,
  resolveNezhaDay,
  runCases,
  splitByHour,
} from "../modules/rca/src/nezha/index.ts";

const FIXTURE = fileURLToPath(new URL("../modules/rca/fixtures/nezha", import.meta.url));

function daysIn(dir: string, day?: string): string[] {
  if (day) return [day];
  const root = join(dir, "rca_data");
  return existsSync(root) ? readdirSync(root).sort() : [""];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
const row = (label: string, a: Accuracy, types?: number) =>
  `${label.padEnd(24)} ${String(a.cases).padStart(5)} ${pct(a.ac1)} ${pct(a.ac3)} ${pct(a.ac5)} ${pct(a.avg5)}${types === undefined ? "" : ` ${pct(types)}`}`;

const rank = (o: Partial<RankOptions>): EvaluateOptions => ({
  ...DEFAULT_EVALUATE,
  rank: { ...DEFAULT_RANK, ...o },
});
const anomaly = (o: Partial<RankOptions["anomaly"]>) => ({ ...DEFAULT_RANK.anomaly, ...o });

/** The alternatives measured against the defaults (module README, "Also implemented"). */
const VARIANTS: Record<string, EvaluateOptions> = {
  "defaults (robust z, explain, drops)": DEFAULT_EVALUATE,
  "robust z only (BARO-style)": rank({ graph: "none", dropTransfer: 0 }),
  "robust z only, no tail floor": rank({
    graph: "none",
    dropTransfer: 0,
    anomaly: anomaly({ tailFloor: false }),
  }),
  "personalized PageRank": rank({ graph: "pagerank", dropTransfer: 0 }),
  "personalized PageRank + drops": rank({ graph: "pagerank" }),
  "explain rule only": rank({ dropTransfer: 0 }),
  "drops rule only": rank({ graph: "none" }),
  "sum of per-signal maxima": rank({ aggregate: "signals" }),
  "window peak, not median": rank({ statistic: "peak" }),
  "learnt baseline, no local reference": rank({ anomaly: anomaly({ referenceMinutes: 0 }) }),
  "window 3 min": { ...DEFAULT_EVALUATE, windowMinutes: 3 },
  "window 7 min": { ...DEFAULT_EVALUATE, windowMinutes: 7 },
};

function compare(dir: string, days: string[]): void {
  const loaded = days.map((d) => {
    const nezha = loadNezhaDay(resolveNezhaDay(dir, d ? { day: d } : {}));
    return {
      nezha,
      graph: graphOfDay(nezha),
      held: new Set(splitByHour(nezha.cases).holdOut.map((c) => c.id)),
    };
  });
  const two = (a: Accuracy) => `${a.ac1.toFixed(2)} / ${a.ac3.toFixed(2)}`;
  const head = loaded.flatMap(({ nezha }) => [`${nezha.day} all`, "tuning", "held out"]);
  console.log(`| variant (AC@1 / AC@3) | ${head.join(" | ")} |`);
  console.log(`|---|${head.map(() => "---").join("|")}|`);
  for (const [label, options] of Object.entries(VARIANTS)) {
    const cells = loaded.flatMap(({ nezha, graph, held }) => {
      const all = runCases(nezha, graph, options);
      return [
        two(accuracy(all)),
        two(accuracy(all.filter((r) => !held.has(r.case.id)))),
        two(accuracy(all.filter((r) => held.has(r.case.id)))),
      ];
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const dayAt = args.indexOf("--day");
  const day = dayAt >= 0 ? args[dayAt + 1] : undefined;
  const dir = args.find((a, i) => !a.startsWith("--") && (dayAt < 0 || i !== dayAt + 1)) ?? FIXTURE;
  const out: Record<string, Accuracy> = {};
  if (args.includes("--compare")) {
    compare(dir, daysIn(dir, day));
    process.exit(0);
  }
  for (const d of daysIn(dir, day)) {
    const nezha = loadNezhaDay(resolveNezhaDay(dir, d ? { day: d } : {}));
    const db = await openMigratedTemporary(process.env.KAMIYO_CACHE_DIR ?? ".kamiyo/cache", [
      rcaMigrations,
    ]);
    const stored = await evaluateStored(db, nezha).finally(() => db.close());
    const all = stored.results;
    const held = new Set(splitByHour(nezha.cases).holdOut.map((c) => c.id));
    out[nezha.day] = accuracy(all);
    if (json) continue;
    const i = stored.ingest;
    console.log(
      `\n${nezha.day}: ${nezha.pods.length} pods, ${nezha.calls.length} CALLS edges; through the product: ingest ${(stored.ingestMs / 1000).toFixed(1)} s (${i.bodies} remote-write bodies, ${i.samples} samples, ${i.events} anomaly and recovery events), ${all.length} RCA queries ${(stored.queryMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `${"cases".padEnd(24)} ${"n".padStart(5)} ${"AC@1".padStart(6)} ${"AC@3".padStart(6)} ${"AC@5".padStart(6)} ${"Avg@5".padStart(6)} ${"type".padStart(6)}`,
    );
    const tune = all.filter((r) => !held.has(r.case.id));
    const holdOut = all.filter((r) => held.has(r.case.id));
    console.log(row("all", accuracy(all), faultTypeAccuracy(all)));
    console.log(row("tuning half", accuracy(tune), faultTypeAccuracy(tune)));
    console.log(row("held out", accuracy(holdOut), faultTypeAccuracy(holdOut)));
    for (const type of Object.keys(out[nezha.day]?.byFaultType ?? {})) {
      const rs = all.filter((r) => r.case.faultType === type);
      console.log(row(`  ${type}`, accuracy(rs), faultTypeAccuracy(rs)));
    }
    const memory = runCases(nezha, graphOfDay(nezha));
    console.log(row("in memory, raw series", accuracy(memory), faultTypeAccuracy(memory)));
  }
  if (json) {
    const values = Object.values(out);
    console.log(JSON.stringify(values.length === 1 ? values[0] : out));
  }
}
