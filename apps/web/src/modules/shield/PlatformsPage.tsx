import { type FormEvent, useState } from "react";
import { useApi } from "../../app/api.ts";
import { sendJson } from "../../app/api-write.ts";
import { ConfirmAction } from "../../app/ConfirmAction.tsx";
import { FormError } from "../../app/FormError.tsx";
import { utc } from "../../app/format.ts";
import { useAction } from "../../app/use-action.ts";
import "./shield.css";
import type { PlatformConnection } from "./types.ts";

const NAMES: Record<PlatformConnection["platform"], string> = {
  google_ads: "Google Ads",
  meta: "Meta",
};

function status(c: PlatformConnection): string {
  if (c.source === "tenant") return "Connected";
  if (c.source === "install") return "Connected with this server's own credentials";
  return c.available ? "Not connected" : "Not available on this server";
}

/** The form that checks a grant with the platform and stores it (never shown again). */
function ConnectForm({ c, onDone }: { c: PlatformConnection; onDone: () => void }) {
  const action = useAction();
  const [token, setToken] = useState("");
  const [manager, setManager] = useState("");
  const name = NAMES[c.platform];
  const google = c.platform === "google_ads";
  const id = (what: string) => `${c.platform}-${what}`;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action.busy) return;
    return action.run(async () => {
      await sendJson(
        "PUT",
        `/shield/platforms/${c.platform}/credentials`,
        google
          ? { refreshToken: token, ...(manager ? { loginCustomerId: manager } : {}) }
          : { accessToken: token },
      );
      setToken("");
      setManager("");
      onDone();
    });
  };
  return (
    <form onSubmit={submit} aria-label={`Connect ${name}`} className="platform-connect">
      <label htmlFor={id("token")}>
        {google ? "OAuth refresh token" : "System user access token"}
      </label>
      <input
        id={id("token")}
        type="password"
        autoComplete="off"
        value={token}
        onChange={(e) => setToken(e.target.value)}
        aria-describedby={id("error")}
        required
      />
      {google ? (
        <>
          <label htmlFor={id("manager")}>Manager account (optional)</label>
          <input
            id={id("manager")}
            inputMode="numeric"
            pattern="[0-9]{10}"
            placeholder="10 digits"
            value={manager}
            onChange={(e) => setManager(e.target.value)}
          />
        </>
      ) : null}
      <button type="submit" aria-disabled={action.busy}>
        {c.source === "tenant" ? `Replace ${name} credentials` : `Connect ${name}`}
      </button>
      <FormError error={action.error} id={id("error")} />
    </form>
  );
}

function DisconnectButton({ c, onDone }: { c: PlatformConnection; onDone: () => void }) {
  const action = useAction();
  const name = NAMES[c.platform];
  return (
    <>
      <ConfirmAction
        label={`Disconnect ${name}`}
        question={`Disconnect ${name}? Your bids to it are refused until you connect it again.`}
        confirmLabel="Yes, disconnect"
        disabled={action.busy}
        onConfirm={() =>
          action.run(async () => {
            await sendJson("DELETE", `/shield/platforms/${c.platform}/credentials`);
            onDone();
          })
        }
      />
      <FormError error={action.error} />
    </>
  );
}

/**
 * The ad platforms this tenant's bids go to, and with whose credentials: each grant is checked
 * with the platform when it is given, stored sealed, and never shown again (only its last four
 * characters and whose it is).
 */
export default function PlatformsPage() {
  const [generation, setGeneration] = useState(0);
  const { data, error } = useApi<{ data: PlatformConnection[] }>(() => "/shield/platforms", {
    key: String(generation),
  });
  const reload = () => setGeneration((g) => g + 1);
  return (
    <section aria-labelledby="shield-platforms-title">
      <h1 id="shield-platforms-title">Ad platforms</h1>
      <p className="hint">
        Your bids go out with your own credentials only. A token is checked with the platform before
        it is stored, kept encrypted, and never shown again.
      </p>
      {error ? <p role="alert">Could not load the platforms: {error}</p> : null}
      {data?.data.map((c) => (
        <article
          key={c.platform}
          aria-labelledby={`${c.platform}-title`}
          className="platform"
          data-platform={c.platform}
        >
          <h2 id={`${c.platform}-title`}>{NAMES[c.platform]}</h2>
          <dl>
            <dt>Status</dt>
            <dd data-field="status">{status(c)}</dd>
            {c.identity ? (
              <>
                <dt>Connected as</dt>
                <dd data-field="identity">{c.identity}</dd>
              </>
            ) : null}
            {c.hint ? (
              <>
                <dt>Token</dt>
                <dd data-field="hint">…{c.hint}</dd>
              </>
            ) : null}
            {c.loginCustomerId ? (
              <>
                <dt>Manager account</dt>
                <dd>{c.loginCustomerId}</dd>
              </>
            ) : null}
            {c.verifiedAt ? (
              <>
                <dt>Checked</dt>
                <dd>{utc(c.verifiedAt)}</dd>
              </>
            ) : null}
          </dl>
          {c.available ? <ConnectForm c={c} onDone={reload} /> : null}
          {c.source === "tenant" ? <DisconnectButton c={c} onDone={reload} /> : null}
        </article>
      ))}
    </section>
  );
}
