import { type FormEvent, useState } from "react";
import { ApiError, apiKey, getJson } from "./api.ts";
import { sendJson } from "./api-write.ts";
import { FormError } from "./FormError.tsx";

/**
 * Sign in: with email and password (the session cookie the API sets, HttpOnly, so the page never
 * holds it), or with an API key (kept for this tab only), checked against `GET /tenants/me`.
 */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  return (
    <main id="main" className="sign-in">
      <h1>Sign in</h1>
      <PasswordForm onSignedIn={onSignedIn} />
      <h2>Or with an API key</h2>
      <KeyForm onSignedIn={onSignedIn} />
    </main>
  );
}

function PasswordForm({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [tenant, setTenant] = useState("");
  /** Asked for once the API says the person belongs to several tenants. */
  const [askTenant, setAskTenant] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    // A key in this tab would win over the cookie: signing in with a password replaces it.
    apiKey.clear();
    try {
      await sendJson("POST", "/auth/session", {
        email: email.trim(),
        password,
        ...(tenant.trim() ? { tenant: tenant.trim() } : {}),
      });
      setError(null);
      onSignedIn();
    } catch (err) {
      const message = err instanceof ApiError ? err.message : String(err);
      if (err instanceof ApiError && err.status === 400 && /several tenants/.test(message))
        setAskTenant(true);
      setError(message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-label="Sign in with email and password">
      <label htmlFor="email">Email</label>
      <input
        id="email"
        type="email"
        autoComplete="username"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        required
      />
      <label htmlFor="password">Password</label>
      <input
        id="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        required
      />
      {askTenant ? (
        <>
          <label htmlFor="tenant">Tenant id</label>
          <input
            id="tenant"
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
            placeholder="ten_…"
            required
          />
        </>
      ) : null}
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <FormError error={error} />
    </form>
  );
}

function KeyForm({ onSignedIn }: { onSignedIn: () => void }) {
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
    <form onSubmit={submit} aria-label="Sign in with an API key">
      <p>
        <code>npx kamiyo api-key create</code> makes one; an owner can make more under Account.
      </p>
      <label htmlFor="api-key">API key</label>
      <input
        id="api-key"
        type="password"
        autoComplete="off"
        value={key}
        onChange={(e) => setKey(e.target.value)}
        required
      />
      <button type="submit">Sign in with the key</button>
      <FormError error={error} />
    </form>
  );
}
