import { useCallback, useEffect, useState } from "react";
import { apiKey, getJson } from "../api.ts";
import { FormError } from "../FormError.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { useAction } from "../use-action.ts";
import { type ApiKey, type Me, type NewApiKey, when } from "./account-types.ts";
import { KeyActions } from "./KeyActions.tsx";
import { NewKeyForm } from "./NewKeyForm.tsx";
import { ShownOnce } from "./ShownOnce.tsx";

function stateOf(k: ApiKey, now: number): string {
  const ended = (iso: string | null) => iso !== null && Date.parse(iso) <= now;
  if (k.replacedBy !== null)
    return ended(k.expiresAt)
      ? `rotated: replaced by ${k.replacedBy}`
      : `rotated: works until ${when(k.expiresAt)}, replaced by ${k.replacedBy}`;
  if (k.revokedAt !== null) return `revoked ${when(k.revokedAt)}`;
  return ended(k.expiresAt) ? "expired" : "active";
}

/**
 * The tenant's API keys (`/api-keys`): each key's prefix, name, role and scopes, when it was made,
 * last used and expires; a new key or a rotated one shown once; revocation confirmed, with a
 * warning on the key this tab is signed in with.
 */
export function ApiKeysPage() {
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [me, setMe] = useState<Me | null>(null);
  const [shown, setShown] = useState<{ title: string; key: string; note?: string } | null>(null);
  const list = useAction();
  const load = useCallback(() => {
    list.run(async () => {
      const [who, answer] = await Promise.all([
        getJson<Me>("/tenants/me"),
        getJson<{ data: ApiKey[] }>("/api-keys"),
      ]);
      setMe(who);
      setKeys(answer.data);
    });
  }, [list.run]);
  useEffect(load, [load]);
  const now = Date.now();

  const rotated = (made: NewApiKey & { replaces: ApiKey }) => {
    const own = made.replaces.id === me?.actor;
    // The tab moves to the new key, so rotating the key it uses does not sign it out.
    if (own) apiKey.set(made.key);
    setShown({
      title: `New key for “${made.name}”`,
      key: made.key,
      note: own ? "This tab now uses the new key." : undefined,
    });
    load();
  };
  const revoked = (k: ApiKey) => {
    if (k.id === me?.actor) {
      apiKey.clear();
      window.location.assign("/app");
      return;
    }
    load();
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p className="lede">
        A key acts for this tenant with its role; scopes narrow it further. The key itself is shown
        once, when it is made or rotated.
      </p>
      {shown ? (
        <ShownOnce
          title={shown.title}
          value={shown.key}
          note={shown.note}
          onDone={() => setShown(null)}
        />
      ) : null}
      <NewKeyForm
        onCreated={(made) => {
          setShown({ title: `New key “${made.name}”`, key: made.key });
          load();
        }}
      />
      <h2>Keys</h2>
      <FormError error={list.error} />
      <TableScroll label="Keys">
        <table className="keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role and scopes</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(keys ?? []).map((k) => (
              <tr key={k.id} data-key={k.id}>
                <td>
                  {k.name}
                  {k.id === me?.actor ? <strong> (this tab)</strong> : null}
                  <br />
                  <code>{k.prefix}…</code>
                </td>
                <td>
                  {k.role}
                  {k.scopes.length > 0 ? (
                    <>
                      <br />
                      <small>{k.scopes.join(", ")}</small>
                    </>
                  ) : null}
                </td>
                <td>{when(k.createdAt)}</td>
                <td>{when(k.lastUsedAt)}</td>
                <td>{k.expiresAt === null ? "never" : when(k.expiresAt)}</td>
                <td>{stateOf(k, now)}</td>
                <td className="actions">
                  <KeyActions
                    k={k}
                    own={k.id === me?.actor}
                    run={list.run}
                    onRotated={rotated}
                    onRevoked={revoked}
                  />
                </td>
              </tr>
            ))}
            {keys !== null && keys.length === 0 ? (
              <tr>
                <td colSpan={7}>No keys yet.</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}
