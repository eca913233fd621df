import { type FormEvent, useCallback, useEffect, useState } from "react";
import { flushSync } from "react-dom";
import type { Webhook, WebhookWithSecret } from "./alerts/alert-types.ts";
import { DeliveryLog } from "./alerts/DeliveryLog.tsx";
import { describeFilter, utcMinute } from "./alerts/format.ts";
import { NewSecret, RotateSecretForm } from "./alerts/RotateSecretForm.tsx";
import { WebhookEditForm } from "./alerts/WebhookEditForm.tsx";
import { getJson } from "./api.ts";
import { sendJson } from "./api-write.ts";
import { ConfirmAction } from "./ConfirmAction.tsx";
import { FormError } from "./FormError.tsx";
import { useAction } from "./use-action.ts";

/** What is open under the table for one endpoint. */
type Panel = { view: "deliveries" | "edit" | "rotate"; id: string } | null;

/**
 * The webhook manager: the tenant's signed endpoints (Standard Webhooks), created here (the
 * signing secret is shown once), edited, their secret rotated, sent a test event, followed in the
 * delivery log with every attempt (a failed delivery can be replayed), and deleted.
 */
export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<{ made: WebhookWithSecret; rotated: boolean } | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const create = useAction();
  const act = useAction();
  const listing = useAction();

  const load = useCallback(() => {
    listing.run(async () => setHooks((await getJson<{ data: Webhook[] }>("/webhooks")).data));
  }, [listing.run]);
  useEffect(load, [load]);

  const add = (e: FormEvent) => {
    e.preventDefault();
    create.run(async () => {
      const made = await sendJson<WebhookWithSecret>("POST", "/webhooks", { url });
      setSecret({ made, rotated: false });
      setUrl("");
      load();
    });
  };
  const toggle = (view: "deliveries" | "edit" | "rotate", id: string) =>
    setPanel(panel?.view === view && panel.id === id ? null : { view, id });
  const open = hooks?.find((h) => h.id === panel?.id) ?? null;

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <form className="filters" aria-label="Add an endpoint" onSubmit={add}>
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
        <button type="submit" disabled={create.busy}>
          Add endpoint
        </button>
        {create.error ? (
          <p role="alert" className="error form-error">
            {create.error}
          </p>
        ) : null}
      </form>
      {secret ? <NewSecret made={secret.made} rotated={secret.rotated} /> : null}
      {listing.error ? <p role="alert">Could not load the list: {listing.error}</p> : null}
      <FormError error={act.error} />
      <div className="table-scroll">
        <table className="webhooks stack">
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Receives</th>
              <th scope="col">State</th>
              <th scope="col">Secret</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(hooks ?? []).map((h) => (
              <tr key={h.id} data-webhook={h.id}>
                <td>
                  {h.name}
                  <br />
                  <small className="url">{h.url}</small>
                  {h.description ? (
                    <>
                      <br />
                      <small>{h.description}</small>
                    </>
                  ) : null}
                </td>
                <td data-label="Receives">{describeFilter(h.filter)}</td>
                <td data-label="State">
                  {h.enabled ? "enabled" : `disabled: ${h.disabledReason ?? ""}`}
                  {h.enabled && h.failingSince ? (
                    <>
                      <br />
                      <small>failing since {utcMinute(h.failingSince)}</small>
                    </>
                  ) : null}
                </td>
                <td data-label="Secret">
                  <code>{h.secretPrefix}</code>
                  {h.previousSecretExpiresAt ? (
                    <>
                      <br />
                      <small>previous one until {utcMinute(h.previousSecretExpiresAt)}</small>
                    </>
                  ) : null}
                </td>
                <td>
                  <div className="actions">
                    <button
                      type="button"
                      onClick={() =>
                        act.run(async () => {
                          await sendJson("POST", `/webhooks/${h.id}/test`);
                          setPanel({ view: "deliveries", id: h.id });
                        })
                      }
                    >
                      Send a test event
                    </button>
                    <button
                      type="button"
                      aria-expanded={panel?.view === "deliveries" && panel.id === h.id}
                      onClick={() => toggle("deliveries", h.id)}
                    >
                      Deliveries
                    </button>
                    <button
                      type="button"
                      aria-expanded={panel?.view === "edit" && panel.id === h.id}
                      onClick={() => toggle("edit", h.id)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      aria-expanded={panel?.view === "rotate" && panel.id === h.id}
                      onClick={() => toggle("rotate", h.id)}
                    >
                      Rotate secret
                    </button>
                    <ConfirmAction
                      label="Delete"
                      question="Delete this endpoint and its delivery log?"
                      confirmLabel="Yes, delete it and its log"
                      onConfirm={() =>
                        act.run(async () => {
                          // Its panels close first, so the delivery log stops looking at it.
                          if (panel?.id === h.id) flushSync(() => setPanel(null));
                          await sendJson("DELETE", `/webhooks/${h.id}`);
                          load();
                        })
                      }
                    />
                  </div>
                </td>
              </tr>
            ))}
            {hooks !== null && hooks.length === 0 ? (
              <tr>
                <td colSpan={5}>No endpoints yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {open && panel?.view === "deliveries" ? (
        <DeliveryLog
          key={open.id}
          title={`Deliveries to ${open.name}`}
          path={`/webhooks/${open.id}/deliveries`}
          onAttempt={load}
          onReplay={(deliveryId) =>
            sendJson("POST", `/webhooks/${open.id}/deliveries/${deliveryId}/replay`)
          }
        />
      ) : null}
      {open && panel?.view === "edit" ? (
        <WebhookEditForm
          key={open.id}
          hook={open}
          onSaved={() => {
            setPanel(null);
            load();
          }}
          onCancel={() => setPanel(null)}
        />
      ) : null}
      {open && panel?.view === "rotate" ? (
        <RotateSecretForm
          key={open.id}
          hook={open}
          onRotated={(made) => {
            setSecret({ made, rotated: true });
            setPanel(null);
            load();
          }}
          onCancel={() => setPanel(null)}
        />
      ) : null}
    </section>
  );
}
