import { type FormEvent, useEffect, useRef, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Webhook, WebhookWithSecret } from "./alert-types.ts";
import { utcMinute } from "./format.ts";

/**
 * Replaces an endpoint's signing secret (`POST /webhooks/{id}/rotate-secret`). The previous
 * secret keeps signing deliveries, beside the new one, for the overlap chosen (0: it stops now).
 */
export function RotateSecretForm({
  hook,
  onRotated,
  onCancel,
}: {
  hook: Webhook;
  onRotated: (rotated: WebhookWithSecret) => void;
  onCancel: () => void;
}) {
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => first.current?.focus(), []);
  const [hours, setHours] = useState("24");
  const rotate = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    rotate.run(async () =>
      onRotated(
        await sendJson<WebhookWithSecret>("POST", `/webhooks/${hook.id}/rotate-secret`, {
          overlapHours: Number(hours),
        }),
      ),
    );
  };
  return (
    <form className="panel stacked" aria-labelledby="rotate-title" onSubmit={submit}>
      <h2 id="rotate-title">Rotate the secret of {hook.name}</h2>
      <p>
        The current secret ({hook.secretPrefix}) is replaced. During the overlap, each delivery is
        signed by both, so your receiver can switch without losing messages.
      </p>
      <label>
        Overlap, hours (0–168; 0 stops the current secret now)
        <input
          ref={first}
          type="number"
          required
          min={0}
          max={168}
          step="any"
          value={hours}
          onChange={(e) => setHours(e.target.value)}
        />
      </label>
      <FormError error={rotate.error} />
      <div className="buttons">
        <button type="submit" disabled={rotate.busy}>
          Rotate secret
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The new secret, shown once, and what becomes of the previous one (from the API's answer). */
export function NewSecret({ made, rotated }: { made: WebhookWithSecret; rotated: boolean }) {
  return (
    <div role="status" className="secret">
      <p>
        {rotated ? `New signing secret of ${made.name}` : `Signing secret of ${made.name}`} (shown
        once; store it now): <code>{made.secret}</code>
      </p>
      {rotated ? (
        <p>
          {made.previousSecretExpiresAt
            ? `The previous secret also signs deliveries until ${utcMinute(made.previousSecretExpiresAt)}, then stops.`
            : "The previous secret no longer signs deliveries."}
        </p>
      ) : null}
    </div>
  );
}
