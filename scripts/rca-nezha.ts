/**
 * The RCA module's accuracy on labelled Nezha fault-injection days: one RCA query per injected
 * fault, service-level AC@k per day over all cases, the tuning half (first half of the day's fault
 * hours) and the held-out half, and per fault type.
 * Run: npm run rca:nezha -- [DIR] [--day YYYY-MM-DD] [--json]
 * DIR holds rca_data/<day>/ and construct_data/<day>/ (default: modules/rca/fixtures/nezha, every
 * day in it), or is a day's rca_data/<day> folder itself.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Accuracy,
  accuracy,
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const dayAt = args.indexOf("--day");
  const day = dayAt >= 0 ? args[dayAt + 1] : undefined;
  const dir = args.find((a, i) => !a.startsWith("--") && (dayAt < 0 || i !== dayAt + 1)) ?? FIXTURE;
  const out: Record<string, Accuracy> = {};
  for (const d of daysIn(dir, day)) {
    const nezha = loadNezhaDay(resolveNezhaDay(dir, d ? { day: d } : {}));
    const graph = graphOfDay(nezha);
    const all = runCases(nezha, graph);
    const split = splitByHour(nezha.cases);
    const held = new Set(split.holdOut.map((c) => c.id));
    out[nezha.day] = accuracy(all);
    if (json) continue;
    console.log(`\n${nezha.day}: ${nezha.pods.length} pods, ${nezha.calls.length} CALLS edges`);
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
  }
  if (json) {
    const values = Object.values(out);
    console.log(JSON.stringify(values.length === 1 ? values[0] : out));
  }
}
