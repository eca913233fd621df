import { type FormEvent, useState } from "react";
import { ApiError, apiKey, getJson } from "./api.ts";

/** Sign in with an API key (kept for this tab only); checked against `GET /tenants/me`. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    apiKey.set(key.trim());
    try {
      await getJson("/tenants/me");
      setError(null);
      onSignedIn();
    } catch (err) {
      apiKey.clear();
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main id="main" className="sign-in">
      <h1>Sign in</h1>
      <p>
        This install needs an API key. <code>npx kamiyo api-key create</code> makes one; an owner
        can make more under Account.
      </p>
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
        />
        <button type="submit">Sign in</button>
        {error ? (
          <p role="alert" className="error">
            {error}
          </p>
        ) : null}
      </form>
    </main>
  );
}
