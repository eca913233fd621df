import { type FormEvent, useCallback, useEffect, useState } from "react";
import { getJson } from "./api.ts";
import { sendJson } from "./api-write.ts";

interface Webhook {
  id: string;
  url: string;
  name: string;
  enabled: boolean;
  disabledReason: string | null;
}
interface Delivery {
  id: string;
  status: string;
  alert: { type: string; title: string };
  createdAt: string;
  attempts: {
    attempt: number;
    ok: boolean;
    statusCode: number | null;
    latencyMs: number;
    error: string | null;
  }[];
}

/**
 * The webhook manager: the tenant's signed endpoints (Standard Webhooks), created here (the
 * signing secret is shown once), sent a test event, followed in the delivery log with every
 * attempt, and deleted.
 */
export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);

  const load = useCallback(() => {
    getJson<{ data: Webhook[] }>("/webhooks")
      .then((b) => setHooks(b.data))
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(load, [load]);

  const loadDeliveries = useCallback((id: string) => {
    getJson<{ data: Delivery[] }>(`/webhooks/${id}/deliveries`)
      .then((b) => setDeliveries(b.data))
      .catch((e: Error) => setError(e.message));
  }, []);
  // While a log is open, it follows new attempts every 2 s.
  useEffect(() => {
    if (!open) return;
    loadDeliveries(open);
    const timer = setInterval(() => loadDeliveries(open), 2_000);
    return () => clearInterval(timer);
  }, [open, loadDeliveries]);

  const act = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const create = (e: FormEvent) => {
    e.preventDefault();
    act(async () => {
      const made = await sendJson<Webhook & { secret: string }>("POST", "/webhooks", { url });
      setSecret(made.secret);
      setUrl("");
      load();
    });
  };

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <form className="filters" onSubmit={create}>
        <label>
          Endpoint URL{" "}
          <input
            type="url"
            required
            value={url}
            placeholder="https://example.com/kamiyo"
            onChange={(e) => setUrl(e.target.value)}
          />
        </label>
        <button type="submit">Add endpoint</button>
      </form>
      {secret ? (
        <p role="status" className="secret">
          Signing secret (shown once): <code>{secret}</code>
        </p>
      ) : null}
      {error ? <p role="alert">{error}</p> : null}
      <div className="table-scroll">
        <table className="webhooks">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(hooks ?? []).map((h) => (
              <tr key={h.id} data-webhook={h.id}>
                <td>
                  {h.name}
                  <br />
                  <small>{h.url}</small>
                </td>
                <td>{h.enabled ? "enabled" : `disabled: ${h.disabledReason ?? ""}`}</td>
                <td className="actions">
                  <button
                    type="button"
                    onClick={() =>
                      act(async () => {
                        await sendJson("POST", `/webhooks/${h.id}/test`);
                        setOpen(h.id);
                      })
                    }
                  >
                    Send a test event
                  </button>
                  <button type="button" onClick={() => setOpen(open === h.id ? null : h.id)}>
                    {open === h.id ? "Hide deliveries" : "Deliveries"}
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(async () => {
                        await sendJson("DELETE", `/webhooks/${h.id}`);
                        if (open === h.id) setOpen(null);
                        load();
                      })
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
            {hooks !== null && hooks.length === 0 ? (
              <tr>
                <td colSpan={3}>No endpoints yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {open ? (
        <>
          <h2>Deliveries</h2>
          <ul className="deliveries">
            {(deliveries ?? []).map((d) => (
              <li key={d.id} data-delivery={d.id}>
                <strong>{d.status}</strong> {d.alert.type}: {d.alert.title}
                <ul>
                  {d.attempts.map((a) => (
                    <li key={a.attempt}>
                      attempt {a.attempt}: {a.ok ? "ok" : "failed"}
                      {a.statusCode === null ? "" : `, HTTP ${a.statusCode}`}, {a.latencyMs} ms
                      {a.error ? `, ${a.error}` : ""}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
