import { useCallback, useEffect, useRef, useState } from "react";
import { getJson } from "../api.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Delivery, Page } from "./alert-types.ts";
import { utcMinute } from "./format.ts";

/** Deliveries that can be sent again (`POST …/deliveries/{id}/replay`). */
const REPLAYABLE = new Set<Delivery["status"]>(["exhausted", "cancelled"]);

/**
 * A webhook's or channel's delivery log (`path`), newest first with every attempt, followed every
 * 2 s while shown. With `onReplay`, an exhausted or cancelled delivery can be sent again;
 * `onAttempt` is called when a new attempt shows (the endpoint's health may have changed).
 */
export function DeliveryLog({
  title,
  path,
  onReplay,
  onAttempt,
}: {
  title: string;
  path: string;
  onReplay?: (deliveryId: string) => Promise<unknown>;
  onAttempt?: () => void;
}) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const replay = useAction();
  const attempts = useRef<number | null>(null);
  const attempted = useRef(onAttempt);
  attempted.current = onAttempt;
  // Aborted when the log goes away: a look still in flight must not land after the endpoint does.
  const shown = useRef<AbortController | null>(null);
  const load = useCallback(() => {
    const signal = shown.current?.signal;
    getJson<Page<Delivery>>(path, signal)
      .then((b) => {
        setDeliveries(b.data);
        setLoadError(null);
        const seen = b.data.reduce((n, d) => n + d.attempts.length, 0);
        // A change since the last look, or attempts already made when the log opened.
        if (seen !== (attempts.current ?? 0)) attempted.current?.();
        attempts.current = seen;
      })
      .catch((e: Error) => {
        if (!signal?.aborted) setLoadError(e.message);
      });
  }, [path]);
  useEffect(() => {
    shown.current = new AbortController();
    setDeliveries(null);
    load();
    const timer = setInterval(load, 2_000);
    return () => {
      clearInterval(timer);
      shown.current?.abort();
    };
  }, [load]);

  return (
    <section className="delivery-log" aria-labelledby="delivery-log-title">
      <h2 id="delivery-log-title">{title}</h2>
      {loadError ? <p role="alert">Could not load the deliveries: {loadError}</p> : null}
      <FormError error={replay.error} />
      {deliveries !== null && deliveries.length === 0 ? <p>No deliveries yet.</p> : null}
      <ul className="deliveries">
        {(deliveries ?? []).map((d) => (
          <li key={d.id} data-delivery={d.id} data-status={d.status}>
            <strong>{d.status}</strong> {d.alert.type}: {d.alert.title}{" "}
            <small>
              <time dateTime={d.createdAt}>{utcMinute(d.createdAt)}</time>
              {d.status === "pending" && d.nextAttemptAt && d.attempts.length > 0
                ? `, next attempt ${utcMinute(d.nextAttemptAt)}`
                : ""}
            </small>
            {onReplay && REPLAYABLE.has(d.status) ? (
              <button
                type="button"
                className="inline"
                disabled={replay.busy}
                onClick={() =>
                  replay.run(async () => {
                    await onReplay(d.id);
                    load();
                  })
                }
              >
                Replay
              </button>
            ) : null}
            <ul>
              {d.attempts.map((a) => (
                <li key={a.attempt}>
                  attempt {a.attempt}: {a.ok ? "ok" : "failed"}
                  {a.statusCode === null ? "" : `, HTTP ${a.statusCode}`}, {a.latencyMs} ms
                  {a.error && a.error !== `HTTP ${a.statusCode}` ? `, ${a.error}` : ""}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
