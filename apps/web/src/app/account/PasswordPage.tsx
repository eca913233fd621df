import { type FormEvent, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";

/**
 * The signed-in person's password (`POST /auth/password`): the current one, then the new one
 * twice. Changing it ends the person's other sessions; the API says how many. Signed in with an
 * API key there is no person, and the page shows the API's answer.
 */
export function PasswordPage() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const change = useAction();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setMismatch(next !== again);
    if (next !== again) return;
    const body = current ? { currentPassword: current, newPassword: next } : { newPassword: next };
    await change.run(async () => {
      const r = await sendJson<{ sessionsEnded: number }>("POST", "/auth/password", body);
      setDone(
        `Password changed. ${r.sessionsEnded} other session${r.sessionsEnded === 1 ? "" : "s"} ended.`,
      );
      setCurrent("");
      setNext("");
      setAgain("");
    });
  };
  return (
    <section aria-labelledby="password-title">
      <h1 id="password-title">Your password</h1>
      <p className="lede">
        At least 12 characters; a passphrase of a few unrelated words is easiest to remember.
        Changing it signs you out everywhere else.
      </p>
      <form className="stacked" onSubmit={submit} aria-label="Change your password">
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            autoComplete="new-password"
            required
            value={again}
            onChange={(e) => setAgain(e.target.value)}
          />
        </label>
        <button type="submit" disabled={change.busy}>
          Change password
        </button>
        <FormError error={mismatch ? "The new password and its repetition differ." : null} />
        <FormError error={change.error} />
        {done ? <p role="status">{done}</p> : null}
      </form>
    </section>
  );
}
