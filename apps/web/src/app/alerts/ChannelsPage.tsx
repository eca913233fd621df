import { useCallback, useEffect, useState } from "react";
import { flushSync } from "react-dom";
import { getJson } from "../api.ts";
import { sendJson } from "../api-write.ts";
import { ConfirmAction } from "../ConfirmAction.tsx";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Channel } from "./alert-types.ts";
import { ChannelCreateForm } from "./ChannelCreateForm.tsx";
import { ChannelEditForm } from "./ChannelEditForm.tsx";
import { CHANNEL_SETTINGS } from "./channel-kinds.ts";
import { DeliveryLog } from "./DeliveryLog.tsx";
import { describeFilter, utcMinute } from "./format.ts";

/** `healthy`, `failing since …`, or `disabled: why`. */
function health(c: Channel): string {
  if (!c.enabled) return `disabled: ${c.disabledReason ?? "no reason given"}`;
  return c.failingSince ? `failing since ${utcMinute(c.failingSince)}` : "healthy";
}

type Panel = { view: "deliveries" | "edit"; id: string } | null;

/**
 * The tenant's chat channels (Discord, Slack, Telegram): listed with what they receive and their
 * health, added, edited, turned off and on, sent a test message (its delivery and attempts
 * shown), and deleted.
 */
export function ChannelsPage() {
  const [channels, setChannels] = useState<Channel[] | null>(null);
  const [panel, setPanel] = useState<Panel>(null);
  const [note, setNote] = useState<string | null>(null);
  const act = useAction();
  const listing = useAction();

  const load = useCallback(() => {
    listing.run(async () => setChannels((await getJson<{ data: Channel[] }>("/channels")).data));
  }, [listing.run]);
  useEffect(load, [load]);

  const toggle = (view: "deliveries" | "edit", id: string) =>
    setPanel(panel?.view === view && panel.id === id ? null : { view, id });
  const open = channels?.find((c) => c.id === panel?.id) ?? null;

  return (
    <section aria-labelledby="channels-title">
      <h1 id="channels-title">Channels</h1>
      <p className="lede">
        Discord, Slack and Telegram chats that receive your alerts. Signed HTTP endpoints are under
        Webhooks.
      </p>
      {note ? <p role="status">{note}</p> : null}
      {listing.error ? <p role="alert">Could not load the list: {listing.error}</p> : null}
      <FormError error={act.error} />
      <div className="table-scroll">
        <table className="channels stack">
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col">Receives</th>
              <th scope="col">Health</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(channels ?? []).map((c) => (
              <tr key={c.id} data-channel={c.id}>
                <td>
                  {c.name} <small>({CHANNEL_SETTINGS[c.kind]?.label ?? c.kind})</small>
                  <br />
                  <small className="url">{c.target}</small>
                </td>
                <td data-label="Receives">{describeFilter(c.filter)}</td>
                <td data-label="Health" className="health">
                  {health(c)}
                </td>
                <td>
                  <div className="actions">
                    <button
                      type="button"
                      onClick={() =>
                        act.run(async () => {
                          const sent = await sendJson<{ deliveryId: string }>(
                            "POST",
                            `/channels/${c.id}/test`,
                          );
                          setNote(`Test message to ${c.name} queued (${sent.deliveryId}).`);
                          setPanel({ view: "deliveries", id: c.id });
                        })
                      }
                    >
                      Send a test message
                    </button>
                    <button
                      type="button"
                      aria-expanded={panel?.view === "deliveries" && panel.id === c.id}
                      onClick={() => toggle("deliveries", c.id)}
                    >
                      Deliveries
                    </button>
                    <button
                      type="button"
                      aria-expanded={panel?.view === "edit" && panel.id === c.id}
                      onClick={() => toggle("edit", c.id)}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      onClick={() =>
                        act.run(async () => {
                          await sendJson("PATCH", `/channels/${c.id}`, { enabled: !c.enabled });
                          load();
                        })
                      }
                    >
                      {c.enabled ? "Disable" : "Enable"}
                    </button>
                    <ConfirmAction
                      label="Delete"
                      question="Delete this channel?"
                      confirmLabel="Yes, delete it"
                      onConfirm={() =>
                        act.run(async () => {
                          // Its panels close first, so the delivery log stops looking at it.
                          if (panel?.id === c.id) flushSync(() => setPanel(null));
                          await sendJson("DELETE", `/channels/${c.id}`);
                          setNote(null);
                          load();
                        })
                      }
                    />
                  </div>
                </td>
              </tr>
            ))}
            {channels !== null && channels.length === 0 ? (
              <tr>
                <td colSpan={4}>No channels yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {open && panel?.view === "deliveries" ? (
        <DeliveryLog
          key={open.id}
          title={`Deliveries to ${open.name}`}
          path={`/channels/${open.id}/deliveries`}
          onAttempt={load}
        />
      ) : null}
      {open && panel?.view === "edit" ? (
        <ChannelEditForm
          key={open.id}
          channel={open}
          onSaved={() => {
            setPanel(null);
            load();
          }}
          onCancel={() => setPanel(null)}
        />
      ) : null}
      <ChannelCreateForm
        onCreated={(made) => {
          setNote(`${made.name} added: it posts to ${made.target}.`);
          load();
        }}
      />
    </section>
  );
}
