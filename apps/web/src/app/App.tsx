import { useCallback, useEffect, useState } from "react";
import { Link, Route, Router, Switch } from "wouter";
import { ThemeToggle } from "../landing/ThemeToggle.tsx";
import { AccountPage } from "./AccountPage.tsx";
import { ChannelsPage } from "./alerts/ChannelsPage.tsx";
import { SilencesPage } from "./alerts/SilencesPage.tsx";
import { ApiError, apiKey, getJson } from "./api.ts";
import { ExploitsPage, IncidentPage } from "./ExploitsPage.tsx";
import { FindingDetail } from "./FindingDetail.tsx";
import { FindingsPage } from "./FindingsPage.tsx";
import { SignIn } from "./SignIn.tsx";
import { WebhooksPage } from "./WebhooksPage.tsx";

interface Me {
  tenant: { id: string; name: string };
}

/**
 * The dashboard under `/app`. It reads only the public API: with this tab's API key, or with none
 * where the install needs none yet (a single-tenant install on localhost opens straight in).
 */
export function App() {
  const [me, setMe] = useState<Me | null | "signed-out">(null);
  const check = useCallback(() => {
    getJson<Me>("/tenants/me")
      .then(setMe)
      .catch((e) => setMe(e instanceof ApiError && e.status === 401 ? "signed-out" : null));
  }, []);
  useEffect(check, [check]);
  if (me === "signed-out") return <SignIn onSignedIn={check} />;
  return (
    <Router base="/app">
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="top">
        <Link href="/" className="brand">
          Kamiyo
        </Link>
        <nav aria-label="Dashboard">
          <ul>
            <li>
              <Link href="/">Findings</Link>
            </li>
            <li>
              <Link href="/exploits">Exploits</Link>
            </li>
            <li>
              <Link href="/webhooks">Webhooks</Link>
            </li>
            <li>
              <Link href="/channels">Channels</Link>
            </li>
            <li>
              <Link href="/silences">Silences</Link>
            </li>
            <li>
              <Link href="/account">Account</Link>
            </li>
            <li>
              <a href="/docs">API reference</a>
            </li>
          </ul>
        </nav>
        <span className="tenant">{me ? me.tenant.name : ""}</span>
        {apiKey.get() ? (
          <button
            type="button"
            className="theme-toggle"
            onClick={() => {
              apiKey.clear();
              setMe("signed-out");
            }}
          >
            Sign out
          </button>
        ) : null}
        <ThemeToggle />
      </header>
      <main id="main">
        <Switch>
          <Route path="/" component={FindingsPage} />
          <Route path="/findings/:id">{(params) => <FindingDetail id={params.id} />}</Route>
          <Route path="/exploits" component={ExploitsPage} />
          <Route path="/account" component={AccountPage} />
          <Route path="/webhooks" component={WebhooksPage} />
          <Route path="/channels" component={ChannelsPage} />
          <Route path="/silences" component={SilencesPage} />
          <Route path="/exploits/:id">{(params) => <IncidentPage id={params.id} />}</Route>
          <Route>
            <p>No such page.</p>
          </Route>
        </Switch>
      </main>
    </Router>
  );
}
