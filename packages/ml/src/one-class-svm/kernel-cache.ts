/**
 * RBF kernel rows K(zᵢ, ·) = exp(−γ‖zᵢ − zₖ‖²) over the standardised training rows `z` (row-major,
 * `d` columns), with a least-recently-used cache bounded in bytes (at least 2 rows).
 */
export class KernelRows {
  readonly #z: Float64Array;
  readonly #d: number;
  readonly #l: number;
  readonly #gamma: number;
  readonly #capacity: number;
  readonly #cache = new Map<number, Float64Array>();

  constructor(z: Float64Array, d: number, gamma: number, cacheBytes: number) {
    this.#z = z;
    this.#d = d;
    this.#l = z.length / d;
    this.#gamma = gamma;
    this.#capacity = Math.max(2, Math.floor(cacheBytes / (8 * this.#l)));
  }

  /** Row i; valid until two further calls (the two most recent rows are never evicted). */
  get(i: number): Float64Array {
    const hit = this.#cache.get(i);
    if (hit !== undefined) {
      this.#cache.delete(i);
      this.#cache.set(i, hit);
      return hit;
    }
    let row: Float64Array;
    if (this.#cache.size >= this.#capacity) {
      const [oldest, buffer] = this.#cache.entries().next().value as [number, Float64Array];
      this.#cache.delete(oldest);
      row = buffer;
    } else {
      row = new Float64Array(this.#l);
    }
    const z = this.#z;
    const d = this.#d;
    const base = i * d;
    for (let k = 0; k < this.#l; k++) {
      let dist = 0;
      const other = k * d;
      for (let j = 0; j < d; j++) {
        const diff = (z[base + j] as number) - (z[other + j] as number);
        dist += diff * diff;
      }
      row[k] = Math.exp(-this.#gamma * dist);
    }
    this.#cache.set(i, row);
    return row;
  }
}
