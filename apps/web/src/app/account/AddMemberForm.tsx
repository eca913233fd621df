import { type FormEvent, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import { type Member, ROLES, type Role } from "./account-types.ts";

/** Adds a person by email with a role (`POST /members`; the role at most the caller's). */
export function AddMemberForm({ onAdded }: { onAdded: (m: Member) => void }) {
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const action = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    action.run(async () => {
      const m = await sendJson<Member>("POST", "/members", { email, role });
      setEmail("");
      onAdded(m);
    });
  };
  return (
    <form className="stacked" onSubmit={submit} aria-labelledby="add-member-title">
      <h2 id="add-member-title">Add a member</h2>
      <div className="filters">
        <label>
          Email{" "}
          <input
            type="email"
            required
            autoComplete="off"
            value={email}
            placeholder="name@example.com"
            onChange={(e) => setEmail(e.target.value)}
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
        <button type="submit" disabled={action.busy}>
          Add member
        </button>
      </div>
      <FormError error={action.error} />
    </form>
  );
}
