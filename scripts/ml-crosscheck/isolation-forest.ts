/**
 * Cross-checks our IsolationForest against scikit-learn's on real labelled data bundled with
 * scikit-learn (breast cancer, digits, wine; built by isolation_forest.py, offline): ROC-AUC of
 * the anomaly scores against the labels, averaged over seeds 0…N−1 on both sides (100 trees,
 * 256 rows per tree), printed as a Markdown table. Passes when the mean AUCs differ by ≤ 0.02.
 * Also shown: the standard error of that difference (seed noise), and how far each row's anomaly
 * score averaged over the seeds is from scikit-learn's (a finer check than the AUC).
 *
 *   ./node_modules/.bin/node scripts/ml-crosscheck/isolation-forest.ts [--seeds 50]
 *
 * Exit codes: 0 all pass, 1 a dataset fails, 2 /usr/bin/python3 or its scikit-learn is missing.
 */
import { parseArgs } from "node:util";
import { IsolationForest } from "../../packages/ml/src/isolation-forest.ts";
import { toMatrix } from "../../packages/ml/src/matrix.ts";
import { rocAuc } from "../../packages/ml/src/metrics.ts";
import { runPython } from "./python.ts";

const TOLERANCE = 0.02;

interface Dataset {
  name: string;
  how: string;
  featureNames: string[];
  rows: number[][];
  labels: number[];
  sklearnAuc: number[];
  sklearnMeanScore: number[];
}

const { values } = parseArgs({ options: { seeds: { type: "string", default: "50" } } });
const seeds = Number(values.seeds);
const out = runPython<{
  sklearn: string;
  trees: number;
  sampleSize: number;
  datasets: Dataset[];
}>("isolation_forest.py", ["crosscheck", "--seeds", String(seeds)], { library: "scikit-learn" });

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};
const pm = (xs: number[]) => `${mean(xs).toFixed(4)} ± ${sd(xs).toFixed(4)}`;

let failed = 0;
const lines = [
  `| dataset | rows × features | anomaly share | ours AUC (mean ± sd) | scikit-learn ${out.sklearn} AUC (mean ± sd) | \\|difference\\| (its standard error) | pass (≤ ${TOLERANCE}) | per-row mean score s, \\|ours − sklearn\\|: mean, max |`,
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
];
for (const d of out.datasets) {
  const x = toMatrix(d.rows, d.name);
  const ours: number[] = [];
  const meanScore = new Float64Array(x.rows);
  for (let seed = 0; seed < seeds; seed++) {
    const model = IsolationForest.fit(x, {
      trees: out.trees,
      sampleSize: out.sampleSize,
      seed,
      featureNames: d.featureNames,
    });
    const s = model.score(x);
    for (let i = 0; i < x.rows; i++)
      meanScore[i] = (meanScore[i] as number) + (s[i] as number) / seeds;
    ours.push(rocAuc(s, d.labels));
  }
  const rowDiff = Array.from(meanScore, (s, i) => Math.abs(s - (d.sklearnMeanScore[i] as number)));
  const se = Math.sqrt((sd(ours) ** 2 + sd(d.sklearnAuc) ** 2) / seeds);
  const diff = Math.abs(mean(ours) - mean(d.sklearnAuc));
  const pass = diff <= TOLERANCE;
  if (!pass) failed++;
  const anomalies = d.labels.filter((l) => l === 1).length;
  lines.push(
    `| ${d.name} | ${x.rows} × ${x.cols} | ${anomalies} (${((100 * anomalies) / x.rows).toFixed(1)}%) | ${pm(ours)} | ${pm(d.sklearnAuc)} | ${diff.toFixed(4)} (${se.toFixed(4)}) | ${pass ? "pass" : "FAIL"} | ${mean(rowDiff).toFixed(4)}, ${Math.max(...rowDiff).toFixed(4)} |`,
  );
}
console.log(lines.join("\n"));
console.log(
  `\n${out.trees} trees, ${out.sampleSize} rows per tree (or all rows when fewer), seeds 0–${seeds - 1} on both sides; AUC of the anomaly score against the labels, on the training rows.`,
);
for (const d of out.datasets) console.log(`- ${d.name}: ${d.how}`);
process.exit(failed > 0 ? 1 : 0);
