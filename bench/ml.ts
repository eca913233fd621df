/**
 * The ML benchmark: our Isolation Forest against scikit-learn's on the same 100,000 × 20 seeded
 * synthetic table (two correlated Gaussian clusters, 3% uniform outliers), written to a temporary
 * float64 file that scripts/ml-crosscheck/isolation_forest.py loads. Measured in this process:
 * fit (100 trees, ψ = 256), scoring all rows, and `scoreOne` latency (10,000 calls after a
 * warm-up). scikit-learn runs in /usr/bin/python3 on the same machine; without it only ours is
 * reported. Also runnable alone (`node --cpu-prof bench/ml.ts`) to profile.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seededRandom } from "@kamiyo/core";
import { growForest } from "../packages/ml/src/isolation-forest/grow.ts";
import { IsolationForest } from "../packages/ml/src/isolation-forest.ts";
import type { Matrix } from "../packages/ml/src/matrix.ts";
import { percentile } from "./children.ts";

type Row = [string, string, string];
const ROWS = 100_000;
const COLS = 20;
const TREES = 100;
const SAMPLE_SIZE = 256;
const ONE_CALLS = 10_000;
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(
  new URL("../scripts/ml-crosscheck/isolation_forest.py", import.meta.url),
);

interface SklearnTimes {
  sklearn: string;
  numpy: string;
  fitMs: number;
  fitAllCoresMs: number;
  fitContaminationMs: number;
  scoreMs: number;
  oneP50Ms: number;
  oneP99Ms: number;
  oneCalls: number;
}

/** Two Gaussian clusters with correlated feature pairs, and 3% rows uniform in [−8, 8]. */
function syntheticTable(rows: number, cols: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    if (random() < 0.03) {
      for (let j = 0; j < cols; j++) data[base + j] = -8 + 16 * random();
      continue;
    }
    const shift = random() < 0.6 ? 0 : 3;
    for (let j = 0; j < cols; j++) {
      const own = (1 + (j % 4) * 0.5) * gauss() + shift;
      data[base + j] = j % 2 === 1 ? 0.8 * (data[base + j - 1] as number) + 0.6 * own : own;
    }
  }
  return { rows, cols, data };
}

/** The shortest of `runs` timed calls of `fn`, in ms. */
export const best = <T>(runs: number, fn: () => T): number => {
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
};
const ms = (n: number) =>
  n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n).toString();
const us = (n: number) => `${(n * 1000).toFixed(1)} µs`;
const times = (r: number) => (r < 10 ? r.toFixed(1) : Math.round(r).toLocaleString("en-US"));
const ratio = (ours: number, theirs: number) =>
  ours <= theirs ? `${times(theirs / ours)}× faster` : `${times(ours / theirs)}× slower`;

function sklearnTimes(x: Matrix): SklearnTimes | string {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-bench-ml-"));
  try {
    const file = join(dir, "table.f64");
    writeFileSync(file, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    const py = spawnSync(PYTHON, [SCRIPT, "bench", file, String(x.rows), String(x.cols)], {
      encoding: "utf8",
    });
    if (py.error) return `${PYTHON} could not run: ${py.error.message}`;
    if (py.status !== 0) return `${PYTHON} exited with ${py.status}: ${py.stderr.trim()}`;
    return JSON.parse(py.stdout) as SklearnTimes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function mlBench(): Row[] {
  const x = syntheticTable(ROWS, COLS, 7);
  const shape = `${ROWS.toLocaleString("en-US")} × ${COLS}`;
  const fitOpts = { trees: TREES, sampleSize: SAMPLE_SIZE, seed: 0 };
  IsolationForest.fit(x, fitOpts); // warm-up: JIT
  const fitMs = best(3, () => IsolationForest.fit(x, fitOpts));
  const growMs = best(3, () => growForest(x, TREES, SAMPLE_SIZE, seededRandom(0)));
  const model = IsolationForest.fit(x, fitOpts);
  const scoreMs = best(3, () => model.score(x));
  const one: number[] = [];
  for (let i = 0; i < 1_000 + ONE_CALLS; i++) {
    const row = x.data.subarray(((i * 7919) % ROWS) * COLS, (((i * 7919) % ROWS) + 1) * COLS);
    const t0 = performance.now();
    model.scoreOne(row);
    if (i >= 1_000) one.push(performance.now() - t0);
  }
  one.sort((a, b) => a - b);
  const p50 = percentile(one, 50);
  const p99 = percentile(one, 99);

  const sk = sklearnTimes(x);
  const data = `${shape} seeded synthetic float64 table (3% outliers), ${TREES} trees, ψ = ${SAMPLE_SIZE}`;
  if (typeof sk === "string") {
    return [
      [
        `Isolation Forest fit, ${data}`,
        `${ms(fitMs)} ms`,
        `best of 3; of which growing the trees ${ms(growMs)} ms, the rest scores the training rows (threshold and score summary); scikit-learn not available (${sk})`,
      ],
      [
        `Isolation Forest score, ${shape}`,
        `${ms(scoreMs)} ms`,
        `best of 3; ${Math.round(ROWS / (scoreMs / 1000)).toLocaleString("en-US")} rows/s; scikit-learn not available`,
      ],
      [
        "Isolation Forest, one observation (`scoreOne`)",
        `p50 ${us(p50)}, p99 ${us(p99)}`,
        `${ONE_CALLS.toLocaleString("en-US")} calls after 1,000 warm-up; scikit-learn not available`,
      ],
    ];
  }
  const skv = `scikit-learn ${sk.sklearn} (numpy ${sk.numpy})`;
  return [
    [
      `Isolation Forest fit, ${data}: ours vs ${skv}`,
      `ours ${ms(fitMs)} ms, scikit-learn ${ms(sk.fitContaminationMs)} ms (${ratio(fitMs, sk.fitContaminationMs)})`,
      `ours best of 3, always scoring the training rows (threshold, score summary), compared with scikit-learn fitting with contamination=0.05 (which scores them too), n_jobs=1, one run; growing the trees alone: ours ${ms(growMs)} ms vs scikit-learn's fit with contamination="auto" ${ms(sk.fitMs)} ms with n_jobs=1 (${ratio(growMs, sk.fitMs)}), ${ms(sk.fitAllCoresMs)} ms with n_jobs=-1 (best of 3 each)`,
    ],
    [
      `Isolation Forest score, ${shape}: ours vs scikit-learn \`score_samples\``,
      `ours ${ms(scoreMs)} ms, scikit-learn ${ms(sk.scoreMs)} ms (${ratio(scoreMs, sk.scoreMs)})`,
      `ours best of 3 (${Math.round(ROWS / (scoreMs / 1000)).toLocaleString("en-US")} rows/s, one thread); scikit-learn one run`,
    ],
    [
      "Isolation Forest, one observation: ours `scoreOne` vs scikit-learn `score_samples` on one row",
      `ours p50 ${us(p50)}, p99 ${us(p99)}; scikit-learn p50 ${ms(sk.oneP50Ms)} ms, p99 ${ms(sk.oneP99Ms)} ms`,
      `ours ${ONE_CALLS.toLocaleString("en-US")} calls after 1,000 warm-up, ${ratio(p50, sk.oneP50Ms)} at p50; scikit-learn ${sk.oneCalls} calls after 20 warm-up`,
    ],
  ];
}

if (import.meta.main) {
  for (const [a, b, c] of mlBench()) console.log(`| ${a} | ${b} | ${c} |`);
}
