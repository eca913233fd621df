import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BgNbdParams } from "./bgnbd.ts";
import { BgNbdModel, type RfmColumns } from "./bgnbd-model.ts";
import { GammaGammaModel, type GammaGammaParams, type SpendColumns } from "./gamma-gamma.ts";
import { LifetimeValue } from "./lifetime-value.ts";
import type { Horizon } from "./ltv-predictor.ts";

/** A model with a spend part, as lifetime value needs it. */
export interface LtvModelSpec {
  bgnbd: BgNbdParams;
  gammaGamma: GammaGammaParams;
  unitsPerMonth: number;
}

/** One worker's share of a batch (the message `ltv-worker.ts` takes). */
export interface LtvSlice {
  id: number;
  model: LtvModelSpec;
  horizon: Horizon;
  frequency: SharedArrayBuffer;
  recency: SharedArrayBuffer;
  T: SharedArrayBuffer;
  monetaryValue: SharedArrayBuffer;
  out: SharedArrayBuffer;
  from: number;
  to: number;
}

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
}

/** Below this many customers a batch is computed on the calling thread (no hand-off). */
export const POOL_MIN_BATCH = 20_000;
const WORKER_URL = new URL("./ltv-worker.ts", import.meta.url);

/** A copy of `values` in shared memory, which the pool's workers read where it is. */
export function sharedColumn(values: ArrayLike<number>): Float64Array<SharedArrayBuffer> {
  const column = new Float64Array(new SharedArrayBuffer(values.length * 8));
  column.set(values);
  return column;
}

/** `c` in shared memory: its own buffer when it already is, else a copy. */
function shared(c: Float64Array): SharedArrayBuffer {
  if (c.buffer instanceof SharedArrayBuffer && c.byteOffset === 0 && c.length * 8 === c.byteLength)
    return c.buffer;
  return sharedColumn(c).buffer;
}

/**
 * Lifetime values of large batches across worker threads (one per core by default): the columns
 * go to shared memory once (no copy when they already are in a `SharedArrayBuffer`), each worker
 * computes a contiguous slice with the same {@link LifetimeValue} code as one thread, and the
 * calling thread's event loop stays free meanwhile. Workers start on the first large batch and
 * stay until {@link close}; a batch below {@link POOL_MIN_BATCH} is computed in place.
 */
export class LtvPool {
  readonly size: number;
  #workers: Worker[] = [];
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #closed = false;

  /** Worker threads running now (none until the first large batch). */
  get running(): number {
    return this.#workers.length;
  }

  constructor(size = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`size: expected a whole number ≥ 1, got ${size}`);
    this.size = size;
  }

  /**
   * Each customer's lifetime value over `horizon`, into `out` (a new array by default).
   * @throws RangeError for columns of different lengths; Error after {@link close}.
   */
  async lifetimeValue(
    model: LtvModelSpec,
    horizon: Horizon,
    c: RfmColumns & SpendColumns,
    out: Float64Array = new Float64Array(c.frequency.length),
  ): Promise<Float64Array> {
    if (this.#closed) throw new Error("the LTV pool is closed");
    const n = c.frequency.length;
    for (const [name, col] of Object.entries({
      recency: c.recency,
      T: c.T,
      monetaryValue: c.monetaryValue,
      out,
    }))
      if (col.length !== n)
        throw new RangeError(`${name}: ${col.length} values for ${n} customers`);
    if (n < POOL_MIN_BATCH)
      return new LifetimeValue(new BgNbdModel(model.bgnbd), new GammaGammaModel(model.gammaGamma), {
        ...horizon,
        unitsPerMonth: model.unitsPerMonth,
      }).batch(c, out);
    const workers = this.#started();
    const buffers = {
      frequency: shared(c.frequency),
      recency: shared(c.recency),
      T: shared(c.T),
      monetaryValue: shared(c.monetaryValue),
    };
    const outBuffer = shared(out);
    const per = Math.ceil(n / workers.length);
    // Workers hold the process open only while they have work.
    for (const w of workers) w.ref();
    await Promise.all(
      workers.map((w, k) => {
        const from = k * per;
        const to = Math.min(n, from + per);
        if (from >= to) return Promise.resolve();
        const id = this.#nextId++;
        const done = new Promise<void>((resolve, reject) =>
          this.#pending.set(id, { resolve, reject }),
        );
        w.postMessage({
          id,
          model,
          horizon,
          ...buffers,
          out: outBuffer,
          from,
          to,
        } satisfies LtvSlice);
        return done;
      }),
    ).finally(() => {
      if (this.#pending.size === 0) for (const w of this.#workers) w.unref();
    });
    if (outBuffer !== out.buffer) out.set(new Float64Array(outBuffer));
    return out;
  }

  /** Stops the workers; batches in progress are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = this.#workers;
    this.#workers = [];
    await Promise.all(workers.map((w) => w.terminate()));
    this.#failAll(new Error("the LTV pool closed"));
  }

  #started(): Worker[] {
    if (this.#workers.length === 0)
      for (let i = 0; i < this.size; i++) {
        const w = new Worker(WORKER_URL);
        w.on("message", (reply: Reply) => {
          const job = this.#pending.get(reply.id);
          if (!job) return;
          this.#pending.delete(reply.id);
          if (reply.ok) job.resolve();
          else job.reject(new Error(`LTV worker: ${reply.error}`));
        });
        // A worker that dies takes the pool's batches with it; the next batch starts new ones.
        w.on("error", (err) => this.#lost(err));
        w.on("exit", (code) => {
          if (code !== 0) this.#lost(new Error(`LTV worker exited with code ${code}`));
        });
        w.unref();
        this.#workers.push(w);
      }
    return this.#workers;
  }

  #lost(err: Error): void {
    const workers = this.#workers;
    this.#workers = [];
    for (const w of workers) void w.terminate();
    this.#failAll(err);
  }

  #failAll(err: Error): void {
    for (const job of this.#pending.values()) job.reject(err);
    this.#pending.clear();
  }
}
