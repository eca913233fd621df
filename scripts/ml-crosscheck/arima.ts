/**
 * Cross-checks our ARIMA against statsmodels' (tsa.arima.model.ARIMA, state-space MLE) on three
 * real series: for each, the last h points are held out, our AIC grid search (d by KPSS,
 * p, q ≤ 3, trend "c" for d = 0, drift "t" for d = 1, none for d = 2) picks an order on the rest,
 * both sides fit that same order and trend and forecast h steps, and the RMSEs against the
 * held-out truth are compared.
 * A series passes when |RMSE_ours − RMSE_statsmodels| / RMSE_statsmodels ≤ 5 %. A series that does
 * not is still explained (and does not fail the run) when statsmodels' default fit stops at a lower
 * likelihood than ours and, started from our estimate, reaches ours and an RMSE within 5 %. Also printed: the
 * largest gap between the two forecast paths and standard errors, the log-likelihoods, the order
 * statsmodels' AIC picks on the same grid, and our KPSS statistics against statsmodels'.
 *
 * Data (byte-for-byte copies; statsmodels' in packages/ml/fixtures/, the candles in
 * fixtures/hyperliquid/candles/):
 * - statsmodels-sunspots.csv: statsmodels 0.13.5's datasets/sunspots/sunspots.csv (yearly
 *   SUNACTIVITY 1700–2008, NGDC, public domain); h = 10 years.
 * - statsmodels-co2.csv: statsmodels 0.13.5's datasets/co2/co2.csv (Mauna Loa weekly CO2
 *   1958–2001, public domain) with 59 missing weeks: resampled to calendar-month means and
 *   forward-filled, as statsmodels' own tests and examples do
 *   (`co2.load_pandas().data.resample("M").mean().ffill()`); h = 24 months.
 * - ETH_USDC_USDC-15m-futures.20250324-20250329.csv: fixtures/hyperliquid/candles/
 *   (Hyperliquid ETH perp 15-minute candles from hippocritical/freqtrade_hyperliquid_download-data,
 *   GPL-3.0); close prices, h = 24 steps (6 hours).
 *
 *   ./node_modules/.bin/node scripts/ml-crosscheck/arima.ts
 *
 * Exit codes: 0 when at least 2 series pass and every other one is explained, 1 otherwise (or when
 * the data loading disagrees with statsmodels'),
 * 2 /usr/bin/python3 or its statsmodels is missing.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { autoArima, type Forecast, kpssTest } from "../../packages/ml/src/arima/index.ts";
import { runPython } from "./python.ts";

const TOLERANCE = 0.05;
const LEVEL = 0.95;
const GRID = { maxP: 3, maxQ: 3 };

const fixture = (name: string) =>
  readFileSync(
    fileURLToPath(new URL(`../../packages/ml/fixtures/${name}`, import.meta.url)),
    "utf8",
  );

function csvRows(text: string): string[][] {
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => line.split(",").map((c) => c.replace(/"/g, "").trim()));
}

function sunspots(): number[] {
  return csvRows(fixture("statsmodels-sunspots.csv")).map((r) => Number(r[1]));
}

/** Month means of the weekly values (missing weeks skipped); empty months forward-filled. */
function co2Monthly(): { values: number[]; filled: number } {
  const sums = new Map<number, { sum: number; count: number }>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const [date = "", value = ""] of csvRows(fixture("statsmodels-co2.csv"))) {
    const month = Number(date.slice(0, 4)) * 12 + Number(date.slice(4, 6)) - 1;
    first = Math.min(first, month);
    last = Math.max(last, month);
    if (value === "") continue;
    const cell = sums.get(month) ?? { sum: 0, count: 0 };
    cell.sum += Number(value);
    cell.count++;
    sums.set(month, cell);
  }
  const values: number[] = [];
  let filled = 0;
  for (let m = first; m <= last; m++) {
    const cell = sums.get(m);
    if (cell === undefined) {
      filled++;
      values.push(values[values.length - 1] ?? Number.NaN);
    } else values.push(cell.sum / cell.count);
  }
  return { values, filled };
}

function ethCloses(): number[] {
  const file = new URL(
    "../../fixtures/hyperliquid/candles/ETH_USDC_USDC-15m-futures.20250324-20250329.csv",
    import.meta.url,
  );
  return csvRows(readFileSync(fileURLToPath(file), "utf8")).map((r) => Number(r[4]));
}

const co2 = co2Monthly();
const series = [
  { name: "sunspots (yearly)", values: sunspots(), h: 10 },
  { name: `CO2 (monthly mean, ${co2.filled} months ffilled)`, values: co2.values, h: 24 },
  { name: "ETH perp close (15m)", values: ethCloses(), h: 24 },
];

const ours = series.map((s) => {
  const train = s.values.slice(0, -s.h);
  const started = performance.now();
  const search = autoArima(train, GRID);
  const ms = performance.now() - started;
  return {
    ...s,
    train,
    test: s.values.slice(-s.h),
    search,
    ms,
    forecast: search.model.forecast(s.h, { level: LEVEL }),
  };
});

const request = {
  tasks: ours.map((s) => ({
    name: s.name,
    train: s.train,
    order: [s.search.model.order.p, s.search.model.order.d, s.search.model.order.q],
    trend: s.search.model.trend,
    h: s.h,
    level: LEVEL,
    ...GRID,
    oursParams: statsmodelsOrder(s.search.model),
  })),
};

interface SmResult {
  name: string;
  paramNames: string[];
  params: number[];
  llf: number;
  aic: number;
  converged: boolean;
  warnings: string[];
  mean: number[];
  se: number[];
  grid: { order: number[]; aic?: number; error?: string }[];
  llfAtOurs: number;
  fromOurs: { llf: number; mean: number[] };
  kpss: { d: number; lags: number; statistic: number }[];
}
const out = runPython<{
  statsmodels: string;
  datasets: { sunspots: number[]; co2Monthly: number[]; co2MonthsFilled: number };
  results: SmResult[];
}>("arima.py", ["crosscheck"], { library: "statsmodels", input: JSON.stringify(request) });

let failed = 0;
const maxAbsDiff = (a: readonly number[], b: readonly number[]) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? Number.NaN))), 0);
const rmse = (f: readonly number[], truth: readonly number[]) =>
  Math.sqrt(f.reduce((s, v, i) => s + (v - (truth[i] ?? Number.NaN)) ** 2, 0) / f.length);
const fmt = (v: number, digits = 4) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : v.toFixed(digits);
const orderText = (o: readonly number[]) => `(${o.join(",")})`;

const dataChecks = [
  [
    "sunspots",
    maxAbsDiff(series[0]?.values ?? [], out.datasets.sunspots),
    out.datasets.sunspots.length,
    series[0]?.values.length,
  ],
  [
    "CO2 monthly",
    maxAbsDiff(co2.values, out.datasets.co2Monthly),
    out.datasets.co2Monthly.length,
    co2.values.length,
  ],
] as const;
for (const [name, diff, smLen, ourLen] of dataChecks) {
  if (!(diff <= 1e-9) || smLen !== ourLen) {
    console.error(
      `data loading disagrees with statsmodels for ${name}: ${ourLen} vs ${smLen} values, max |diff| ${diff}`,
    );
    failed++;
  }
}

const lines = [
  `| series | n train / h | order (ours, by AIC) | statsmodels ${out.statsmodels} AIC pick | RMSE ours | RMSE statsmodels | rel. diff | pass (≤ 5 %) | max \\|Δ forecast\\| | log-lik ours / statsmodels |`,
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
];
const diagnostics = [
  "| series | statsmodels log-lik at our estimate | statsmodels refit from our estimate: log-lik | its RMSE (rel. diff to ours) | max \\|Δ se\\| | AIC ours / statsmodels |",
  "| --- | --- | --- | --- | --- | --- |",
];
const details: string[] = [];
const notes: string[] = [];
let passed = 0;
for (const [i, s] of ours.entries()) {
  const sm = out.results[i];
  if (sm === undefined) throw new Error(`no statsmodels result for ${s.name}`);
  const m = s.search.model;
  const rOurs = rmse(s.forecast.mean, s.test);
  const rSm = rmse(sm.mean, s.test);
  const rel = Math.abs(rOurs - rSm) / rSm;
  const pass = rel <= TOLERANCE;
  const rFrom = rmse(sm.fromOurs.mean, s.test);
  const relFrom = Math.abs(rOurs - rFrom) / rFrom;
  // statsmodels' default fit stopped at a worse optimum, and started from ours it agrees with us.
  const worseOptimum = !pass && sm.fromOurs.llf > sm.llf + 0.5 && relFrom <= TOLERANCE;
  if (pass) passed++;
  else if (!worseOptimum) failed++;
  const smBest = sm.grid
    .filter((g) => g.aic !== undefined)
    .reduce((a, b) => ((b.aic ?? Infinity) < (a.aic ?? Infinity) ? b : a));
  lines.push(
    `| ${s.name} | ${s.train.length} / ${s.h} | ${m.name} | ${orderText(smBest.order)} | ${fmt(rOurs)} | ${fmt(rSm)} | ${(100 * rel).toFixed(2)} % | ${pass ? "yes" : worseOptimum ? "no: statsmodels' optimum is worse (see below)" : "NO"} | ${fmt(maxAbsDiff(s.forecast.mean, sm.mean))} | ${m.logLikelihood.toFixed(3)} / ${sm.llf.toFixed(3)} |`,
  );
  if (!pass) {
    notes.push(
      sm.fromOurs.llf > sm.llf + 0.5 && relFrom <= TOLERANCE
        ? `- ${s.name}: fails the criterion, but statsmodels' default fit stops at a lower log-likelihood (${sm.llf.toFixed(3)}) than ours (${m.logLikelihood.toFixed(3)}); started from our estimate, statsmodels stays there (${sm.fromOurs.llf.toFixed(3)}) and its RMSE is within ${(100 * relFrom).toFixed(2)} % of ours.`
        : `- ${s.name}: fails, and not because statsmodels found a worse optimum: investigate.`,
    );
  }
  diagnostics.push(
    `| ${s.name} | ${sm.llfAtOurs.toFixed(3)} | ${sm.fromOurs.llf.toFixed(3)} | ${fmt(rFrom)} (${(100 * relFrom).toFixed(2)} %) | ${fmt(maxAbsDiff(s.forecast.se, sm.se))} | ${m.aic.toFixed(2)} / ${sm.aic.toFixed(2)} |`,
  );
  details.push(describe(s, sm, s.forecast));
}
console.log(lines.join("\n"));
console.log(`\n${diagnostics.join("\n")}`);
console.log(`\n${details.join("\n")}`);
if (notes.length > 0) console.log(`\n${notes.join("\n")}`);
console.log(
  `\n${passed} of ${ours.length} series within 5 % of statsmodels\x27 RMSE (the issue asks for at least 2): ${failed === 0 && passed >= 2 ? "PASS" : `FAIL (${failed} unexplained)`}`,
);
process.exit(failed > 0 || passed < 2 ? 1 : 0);

/** Our parameters in statsmodels\x27 order: trend, ar, ma, sigma2. */
function statsmodelsOrder(m: (typeof ours)[number]["search"]["model"]): number[] {
  return [
    ...(m.trend === "n" ? [] : [m.params.mean]),
    ...m.params.ar,
    ...m.params.ma,
    m.params.sigma2,
  ];
}

function describe(s: (typeof ours)[number], sm: SmResult, forecast: Forecast): string {
  const ourParams = statsmodelsOrder(s.search.model);
  const kpss = sm.kpss
    .map((k) => {
      let x = s.train;
      for (let d = 0; d < k.d; d++) x = x.slice(1).map((v, t) => v - (x[t] ?? 0));
      return `d=${k.d}: ${kpssTest(x).statistic.toFixed(4)} / ${k.statistic.toFixed(4)}`;
    })
    .join(", ");
  const grid = s.search.candidates
    .map((c) => {
      const g = sm.grid.find((x) => x.order[0] === c.order.p && x.order[2] === c.order.q);
      return `(${c.order.p},${c.order.q}) ${c.aic.toFixed(2)}/${g?.aic?.toFixed(2) ?? g?.error ?? "?"}${c.converged ? "" : " (ours not converged)"}`;
    })
    .join("; ");
  return [
    `### ${s.name}`,
    `- chosen d = ${s.search.d} (KPSS p-values ${s.search.differencing?.tests.map((t) => t.pValue.toFixed(3)).join(" → ") ?? "n/a"}); our search took ${s.ms.toFixed(0)} ms for ${s.search.candidates.length} fits; converged: ${s.search.model.converged}, statsmodels converged: ${sm.converged}${sm.warnings.length ? ` (warnings: ${[...new Set(sm.warnings)].join(" | ")})` : ""}`,
    `- params [${sm.paramNames.join(", ")}]: ours ${ourParams.map((v) => fmt(v)).join(", ")} | statsmodels ${sm.params.map((v) => fmt(v)).join(", ")}`,
    `- forecast h=${s.h} last step: ours ${fmt(forecast.mean.at(-1) ?? 0)} ± ${fmt(forecast.se.at(-1) ?? 0)} | statsmodels ${fmt(sm.mean.at(-1) ?? 0)} ± ${fmt(sm.se.at(-1) ?? 0)} | truth ${fmt(s.test.at(-1) ?? 0)}`,
    `- KPSS statistic ours / statsmodels: ${kpss}`,
    `- AIC grid (p,q) ours/statsmodels: ${grid}`,
  ].join("\n");
}
