import { type FormEvent, useEffect, useRef, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { AlertFilter, Webhook } from "./alert-types.ts";
import { FilterFields } from "./FilterFields.tsx";
import { draftOf, filterOf } from "./filter-draft.ts";

/** The fields `PATCH /webhooks/{id}` takes. */
interface WebhookChange {
  url?: string;
  name?: string;
  description?: string | null;
  filter?: AlertFilter;
  enabled?: boolean;
}

const sameFilter = (a: AlertFilter, b: AlertFilter) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Edits an endpoint: its URL, name, description, filter and whether it is on. Only what changed
 * is sent (`filter` replaces the whole filter; turning it on again clears its failure record).
 */
export function WebhookEditForm({
  hook,
  onSaved,
  onCancel,
}: {
  hook: Webhook;
  onSaved: (saved: Webhook) => void;
  onCancel: () => void;
}) {
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const [url, setUrl] = useState(hook.url);
  const [name, setName] = useState(hook.name);
  const [description, setDescription] = useState(hook.description ?? "");
  const [filter, setFilter] = useState(draftOf(hook.filter));
  const [enabled, setEnabled] = useState(hook.enabled);
  const save = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const change: WebhookChange = {};
    if (url !== hook.url) change.url = url;
    if (name.trim() !== hook.name) change.name = name.trim();
    const text = description.trim();
    if (text !== (hook.description ?? "")) change.description = text === "" ? null : text;
    const nextFilter = filterOf(filter);
    if (!sameFilter(nextFilter, hook.filter)) change.filter = nextFilter;
    if (enabled !== hook.enabled) change.enabled = enabled;
    if (Object.keys(change).length === 0) return onCancel();
    save.run(async () => onSaved(await sendJson<Webhook>("PATCH", `/webhooks/${hook.id}`, change)));
  };

  return (
    <form className="panel stacked" aria-labelledby="edit-webhook-title" onSubmit={submit}>
      <h2 id="edit-webhook-title">Edit {hook.name}</h2>
      <label>
        Endpoint URL
        <input
          ref={first}
          type="url"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <label>
        Name
        <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Description
        <textarea
          maxLength={500}
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <FilterFields draft={filter} onChange={setFilter} />
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enabled (turning it on again clears its failures)
      </label>
      <FormError error={save.error} />
      <div className="buttons">
        <button type="submit" disabled={save.busy}>
          Save changes
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
