/** Per-feature median and robust scale of training data, to say which features made a row unusual. */
export interface RobustBaseline {
  median: number[];
  /** 1.4826 × MAD (the standard deviation for normal data); mean absolute deviation when MAD is 0. */
  scale: number[];
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  const mid = n >> 1;
  return n % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The robust baseline of each column of row-major `data` with `cols` columns. */
export function robustBaseline(data: Float64Array, cols: number): RobustBaseline {
  const rows = data.length / cols;
  const out: RobustBaseline = { median: [], scale: [] };
  const col = new Float64Array(rows);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) col[i] = data[i * cols + j] as number;
    col.sort();
    const m = median(col);
    const dev = new Float64Array(rows);
    let sumAbs = 0;
    for (let i = 0; i < rows; i++) {
      dev[i] = Math.abs((col[i] as number) - m);
      sumAbs += dev[i] as number;
    }
    dev.sort();
    const mad = 1.4826 * median(dev);
    out.median.push(m);
    out.scale.push(mad > 0 ? mad : sumAbs / rows);
  }
  return out;
}

/** Robust z-score of `value` in column `j`; 0 when the column never varied. */
export function robustZ(b: RobustBaseline, j: number, value: number): number {
  const s = b.scale[j] ?? 0;
  return s > 0 ? (value - (b.median[j] ?? 0)) / s : 0;
}
