import { type FormEvent, useId, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { SEVERITIES } from "../types.ts";
import { useAction } from "../use-action.ts";
import { CHANNEL_KINDS, type Channel, type ChannelKind } from "./alert-types.ts";
import { CHANNEL_SETTINGS, type SettingField } from "./channel-kinds.ts";
import { FilterFields } from "./FilterFields.tsx";
import { EMPTY_FILTER, filterOf } from "./filter-draft.ts";

/** One setting's input: secrets are write-only (not echoed back, not kept by the browser). */
function SettingInput({
  field,
  value,
  onChange,
}: {
  field: SettingField;
  value: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  const hintId = field.hint ? `${id}-hint` : undefined;
  return (
    <label htmlFor={id}>
      {field.label}
      {field.input === "severity" ? (
        <select value={value} aria-describedby={hintId} onChange={(e) => onChange(e.target.value)}>
          <option value="">none</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type={field.input === "text" ? "text" : "password"}
          required={field.required}
          value={value}
          placeholder={field.placeholder}
          aria-describedby={hintId}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {field.hint ? (
        <small id={hintId} className="hint">
          {field.hint}
        </small>
      ) : null}
    </label>
  );
}

/**
 * Subscribes a chat to alerts (`POST /channels`): the kind chosen decides the settings asked for.
 * Its URL or token is sent once; the list shows only where it posts.
 */
export function ChannelCreateForm({ onCreated }: { onCreated: (made: Channel) => void }) {
  const [kind, setKind] = useState<ChannelKind>("discord");
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [name, setName] = useState("");
  const [filter, setFilter] = useState(EMPTY_FILTER);
  const create = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const given = Object.fromEntries(
      CHANNEL_SETTINGS[kind].fields
        .map((f) => [f.key, (settings[f.key] ?? "").trim()] as const)
        .filter(([, v]) => v !== ""),
    );
    create.run(async () => {
      const made = await sendJson<Channel>("POST", "/channels", {
        settings: { kind, ...given },
        ...(name.trim() ? { name: name.trim() } : {}),
        filter: filterOf(filter),
      });
      setSettings({});
      setName("");
      setFilter(EMPTY_FILTER);
      onCreated(made);
    });
  };

  return (
    <form className="panel stacked" aria-labelledby="add-channel-title" onSubmit={submit}>
      <h2 id="add-channel-title">Add a channel</h2>
      <label>
        Kind
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value as ChannelKind);
            setSettings({});
          }}
        >
          {CHANNEL_KINDS.map((k) => (
            <option key={k} value={k}>
              {CHANNEL_SETTINGS[k].label}
            </option>
          ))}
        </select>
      </label>
      {CHANNEL_SETTINGS[kind].fields.map((f) => (
        <SettingInput
          key={`${kind}-${f.key}`}
          field={f}
          value={settings[f.key] ?? ""}
          onChange={(v) => setSettings({ ...settings, [f.key]: v })}
        />
      ))}
      <label>
        Name (optional)
        <input
          maxLength={100}
          value={name}
          placeholder={CHANNEL_SETTINGS[kind].label}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <FilterFields draft={filter} onChange={setFilter} />
      <FormError error={create.error} />
      <div className="buttons">
        <button type="submit" disabled={create.busy}>
          Add channel
        </button>
      </div>
    </form>
  );
}
