import { useState } from "react";
import { sendJson } from "../api-write.ts";
import { ConfirmAction } from "../ConfirmAction.tsx";
import type { ApiKey, NewApiKey } from "./account-types.ts";

/** How long a rotated key keeps working beside its replacement (`graceSeconds`). */
const GRACE = [
  { seconds: 0, label: "stops at once" },
  { seconds: 3_600, label: "works one more hour" },
  { seconds: 86_400, label: "works one more day" },
  { seconds: 7 * 86_400, label: "works seven more days" },
] as const;

/**
 * Rotate and revoke for one key, each confirmed first. The key this tab is signed in with is
 * named as such in both questions, since revoking it (or rotating it at once) ends this session.
 */
export function KeyActions({
  k,
  own,
  run,
  onRotated,
  onRevoked,
}: {
  k: ApiKey;
  own: boolean;
  run: (fn: () => Promise<unknown>) => Promise<boolean>;
  onRotated: (made: NewApiKey & { replaces: ApiKey }) => void;
  onRevoked: (k: ApiKey) => void;
}) {
  const [grace, setGrace] = useState(0);
  if (k.revokedAt !== null || k.replacedBy !== null) return null;
  const ownNote = own ? " This is the key this tab is signed in with." : "";
  return (
    <>
      <ConfirmAction
        label="Rotate"
        confirmLabel="Rotate now"
        question={`Replace “${k.name}” with a new key of the same role and scopes?${ownNote}`}
        onConfirm={() =>
          run(async () =>
            onRotated(
              await sendJson<NewApiKey & { replaces: ApiKey }>("POST", `/api-keys/${k.id}/rotate`, {
                graceSeconds: grace,
              }),
            ),
          )
        }
      >
        <label>
          The old key{" "}
          <select value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
            {GRACE.map((g) => (
              <option key={g.seconds} value={g.seconds}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
      </ConfirmAction>
      <ConfirmAction
        label="Revoke"
        confirmLabel={own ? "Revoke and sign out" : "Revoke for good"}
        question={
          own
            ? `“${k.name}” is the key this tab is signed in with: revoking it signs you out, and it cannot be undone.`
            : `Revoke “${k.name}”? Whatever uses it is refused from now on; it cannot be undone.`
        }
        onConfirm={() =>
          run(async () => {
            await sendJson("DELETE", `/api-keys/${k.id}`);
            onRevoked(k);
          })
        }
      />
    </>
  );
}
