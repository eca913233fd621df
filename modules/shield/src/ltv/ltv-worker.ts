/**
 * A worker thread of {@link LtvPool}: computes lifetime values for a slice of customers whose
 * columns live in shared memory, writing them into the shared output. Not imported; started by
 * the pool as `new Worker(this file)`.
 */
import { parentPort } from "node:worker_threads";
import { BgNbdModel } from "./bgnbd-model.ts";
import { GammaGammaModel } from "./gamma-gamma.ts";
import { LifetimeValue } from "./lifetime-value.ts";
import type { LtvSlice } from "./ltv-pool.ts";

const port = parentPort;
if (!port) throw new Error("ltv-worker.ts runs as a worker thread of LtvPool");

/** The last model asked for: a pool's jobs mostly repeat one. */
let cached: { key: string; ltv: LifetimeValue } | null = null;

port.on("message", (job: LtvSlice) => {
  try {
    const key = JSON.stringify([job.model, job.horizon]);
    if (cached?.key !== key) {
      const ltv = new LifetimeValue(
        new BgNbdModel(job.model.bgnbd),
        new GammaGammaModel(job.model.gammaGamma),
        { ...job.horizon, unitsPerMonth: job.model.unitsPerMonth },
      );
      cached = { key, ltv };
    }
    const view = (b: SharedArrayBuffer) => new Float64Array(b, job.from * 8, job.to - job.from);
    cached.ltv.batch(
      {
        frequency: view(job.frequency),
        recency: view(job.recency),
        T: view(job.T),
        monetaryValue: view(job.monetaryValue),
      },
      view(job.out),
    );
    port.postMessage({ id: job.id, ok: true });
  } catch (err) {
    port.postMessage({ id: job.id, ok: false, error: String(err) });
  }
});
