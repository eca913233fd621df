import { type FormEvent, useState } from "react";
import { sendJson } from "../api-write.ts";
import { ConfirmAction } from "../ConfirmAction.tsx";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import { type Member, ROLES, type Role, when } from "./account-types.ts";

/**
 * One member: a role change (`PATCH /members/:id`) and removal (`DELETE`, confirmed). The API's
 * refusal, such as demoting or removing the last owner, is shown in the row.
 */
export function MemberRow({ m, onChanged }: { m: Member; onChanged: () => void }) {
  const [role, setRole] = useState<Role>(m.role);
  const action = useAction();
  const errorId = `member-error-${m.userId}`;
  const change = (e: FormEvent) => {
    e.preventDefault();
    action.run(async () => {
      await sendJson("PATCH", `/members/${m.userId}`, { role });
      onChanged();
    });
  };
  return (
    <tr data-member={m.email}>
      <td>
        {m.email}
        {m.name ? (
          <>
            <br />
            <small>{m.name}</small>
          </>
        ) : null}
      </td>
      <td>
        <form className="inline" onSubmit={change}>
          <label>
            <span className="visually-hidden">Role of {m.email}</span>
            <select
              value={role}
              aria-describedby={action.error ? errorId : undefined}
              onChange={(e) => setRole(e.target.value as Role)}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={action.busy || role === m.role}>
            Change role
          </button>
        </form>
        <FormError error={action.error} id={errorId} />
      </td>
      <td>{when(m.createdAt)}</td>
      <td className="actions">
        <ConfirmAction
          label="Remove"
          confirmLabel="Remove member"
          question={`Remove ${m.email} from this tenant?`}
          onConfirm={() =>
            action.run(async () => {
              await sendJson("DELETE", `/members/${m.userId}`);
              onChanged();
            })
          }
        />
      </td>
    </tr>
  );
}
