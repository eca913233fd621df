import { type FormEvent, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import { type NewApiKey, ROLES, type Role, SCOPES, type Scope } from "./account-types.ts";

/**
 * Creates an API key (`POST /api-keys`): a name, a role (at most the caller's; the API says so
 * otherwise), optionally scopes that narrow the role, and an expiry.
 */
export function NewKeyForm({ onCreated }: { onCreated: (made: NewApiKey) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [expires, setExpires] = useState("");
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    action.run(async () => {
      const made = await sendJson<NewApiKey>("POST", "/api-keys", {
        name,
        role,
        scopes,
        ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
      });
      setName("");
      setScopes([]);
      setExpires("");
      onCreated(made);
    });
  };
  const toggle = (s: Scope, on: boolean) =>
    setScopes((now) => (on ? [...now, s] : now.filter((x) => x !== s)));
  return (
    <form className="stacked" onSubmit={submit} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key</h2>
      <div className="filters">
        <label>
          Name{" "}
          <input
            required
            maxLength={100}
            value={name}
            placeholder="CI deploys"
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Role{" "}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires (optional){" "}
          <input
            type="datetime-local"
            value={expires}
            onChange={(e) => setExpires(e.target.value)}
          />
        </label>
      </div>
      <fieldset className="scopes">
        <legend>Scopes (none ticked: everything the role allows)</legend>
        {SCOPES.map((s) => (
          <label key={s}>
            <input
              type="checkbox"
              checked={scopes.includes(s)}
              onChange={(e) => toggle(s, e.target.checked)}
            />{" "}
            {s}
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={action.busy}>
        Create key
      </button>
      <FormError error={action.error} />
    </form>
  );
}
