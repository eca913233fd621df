import { useCallback, useEffect, useState } from "react";
import { getJson } from "../api.ts";
import { FormError } from "../FormError.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { useAction } from "../use-action.ts";
import { AddMemberForm } from "./AddMemberForm.tsx";
import type { Member } from "./account-types.ts";
import { MemberRow } from "./MemberRow.tsx";

/** The tenant's members and their roles (`/members`): add by email, change a role, remove. */
export function MembersPage() {
  const [members, setMembers] = useState<Member[] | null>(null);
  const list = useAction();
  const load = useCallback(() => {
    list.run(async () => setMembers((await getJson<{ data: Member[] }>("/members")).data));
  }, [list.run]);
  useEffect(load, [load]);
  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title">Members</h1>
      <p className="lede">
        People in this tenant and their roles: viewers read, members also manage alerts, admins also
        keys, members and the audit log, owners also billing. The last owner stays an owner.
      </p>
      <AddMemberForm onAdded={load} />
      <h2>Members</h2>
      <FormError error={list.error} />
      <TableScroll label="Members">
        <table className="members">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Joined</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(members ?? []).map((m) => (
              // Keyed by role too, so a row's role picker starts again from the stored role.
              <MemberRow key={`${m.userId}:${m.role}`} m={m} onChanged={load} />
            ))}
            {members !== null && members.length === 0 ? (
              <tr>
                <td colSpan={4}>No members yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
