import { type FormEvent, useEffect, useRef, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Channel } from "./alert-types.ts";
import { FilterFields } from "./FilterFields.tsx";
import { draftOf, filterOf } from "./filter-draft.ts";

/**
 * Renames or refilters a channel (`PATCH /channels/{id}`; `filter` replaces the whole filter).
 * Its URL or token cannot be changed: delete it and add it again.
 */
export function ChannelEditForm({
  channel,
  onSaved,
  onCancel,
}: {
  channel: Channel;
  onSaved: (saved: Channel) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(channel.name);
  const [filter, setFilter] = useState(draftOf(channel.filter));
  const save = useAction();
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.run(async () =>
      onSaved(
        await sendJson<Channel>("PATCH", `/channels/${channel.id}`, {
          name: name.trim(),
          filter: filterOf(filter),
        }),
      ),
    );
  };
  return (
    <form className="panel stacked" aria-labelledby="edit-channel-title" onSubmit={submit}>
      <h2 id="edit-channel-title">Edit {channel.name}</h2>
      <p>Posts to {channel.target}. To change where it posts, delete it and add it again.</p>
      <label>
        Name
        <input
          ref={first}
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <FilterFields draft={filter} onChange={setFilter} />
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
