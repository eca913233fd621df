import type { MetricIngestedEvent } from "./events.ts";
import { decodeRemoteWrite } from "./remote-write-decode.ts";
import type { StreamingAnomalyDetector } from "./streaming-anomaly.ts";

/** What one remote-write body gave a tenant's streaming detector. */
export interface RemoteWriteAnomalies {
  /** Series and float samples in the body. */
  readonly series: number;
  readonly samples: number;
  /**
   * Samples not used, by why (`too_new`, `too_old`, `not_finite`, and the detector's refusals:
   * `out_of_order`, `no_resource`, `series_limit`); reasons with none left out.
   */
  readonly dropped: Readonly<Record<string, number>>;
  /** The anomalies and recoveries the samples opened or closed, in the order found. */
  readonly events: readonly MetricIngestedEvent[];
}

/**
 * The remote-write route's work between the body and the ingest bus: decodes a Prometheus
 * remote-write 1.0 body ({@link decodeRemoteWrite}, samples outside `[now − 2 h, now + 10 min]`
 * dropped) and feeds each sample to the tenant's `detector`, series by series in the body's order.
 * Throws what the decoder throws (`AppError("invalid_input")`) for a body it refuses.
 * @param now the server's clock, epoch ms.
 */
export function remoteWriteAnomalies(
  body: Uint8Array,
  detector: StreamingAnomalyDetector,
  now: number,
): RemoteWriteAnomalies {
  const decoded = decodeRemoteWrite(body, now);
  const dropped: Record<string, number> = {
    too_new: decoded.stats.tooNew,
    too_old: decoded.stats.tooOld,
    not_finite: decoded.stats.nonFinite,
  };
  const events: MetricIngestedEvent[] = [];
  for (const series of decoded.series)
    for (const sample of series.samples) {
      const r = detector.observe(series.labels, { at: sample.timestamp, value: sample.value });
      if (!r.accepted) dropped[r.reason] = (dropped[r.reason] ?? 0) + 1;
      else events.push(...r.events);
    }
  return {
    series: decoded.stats.series,
    samples: decoded.stats.samples,
    dropped: Object.fromEntries(Object.entries(dropped).filter(([, n]) => n > 0)),
    events,
  };
}
