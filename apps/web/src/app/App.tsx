import { Suspense, useCallback, useEffect, useState } from "react";
import { Link, Route, Router, Switch, useLocation, useRoute } from "wouter";
import { ThemeToggle } from "../landing/ThemeToggle.tsx";
import { WEB_MODULES } from "../modules/index.ts";
import { AccountPage } from "./AccountPage.tsx";
import { ApiKeysPage } from "./account/ApiKeysPage.tsx";
import { AuditLogPage } from "./account/AuditLogPage.tsx";
import { MembersPage } from "./account/MembersPage.tsx";
import { PasswordPage } from "./account/PasswordPage.tsx";
import { SubscriptionPage } from "./account/SubscriptionPage.tsx";
import { ChannelsPage } from "./alerts/ChannelsPage.tsx";
import { SilencesPage } from "./alerts/SilencesPage.tsx";
import { ApiError, apiKey, getJson, signOut } from "./api.ts";
import { DemoBanner } from "./DemoBanner.tsx";
import { FindingDetail } from "./FindingDetail.tsx";
import { FindingsPage } from "./FindingsPage.tsx";
import { OverviewPage } from "./OverviewPage.tsx";
import { SignIn } from "./SignIn.tsx";
import { WebhooksPage } from "./WebhooksPage.tsx";
import type { WebPage } from "./web-module.ts";

interface Me {
  tenant: { id: string; name: string };
  actor: string;
}

/** The platform's own pages: the overview and findings first, alerts and the account last. */
const MONITOR: WebPage[] = [
  { path: "/", nav: "Overview", component: OverviewPage },
  { path: "/findings", nav: "Findings", component: FindingsPage },
  { path: "/findings/:id", component: ({ params }) => <FindingDetail id={params.id ?? ""} /> },
];
const ALERTS: WebPage[] = [
  { path: "/webhooks", nav: "Webhooks", component: WebhooksPage },
  { path: "/channels", nav: "Chat channels", component: ChannelsPage },
  { path: "/silences", nav: "Silences", component: SilencesPage },
];
const ACCOUNT: WebPage[] = [
  { path: "/account", nav: "Plans and usage", component: AccountPage },
  { path: "/account/subscription", nav: "Subscription", component: SubscriptionPage },
  { path: "/account/keys", nav: "API keys", component: ApiKeysPage },
  { path: "/account/members", nav: "Members", component: MembersPage },
  { path: "/account/audit", nav: "Audit log", component: AuditLogPage },
  { path: "/account/password", nav: "Your password", component: PasswordPage },
];

/** The navigation's groups: the platform's, each product module's, then alerts and the account. */
const GROUPS: { title: string; pages: WebPage[] }[] = [
  { title: "Monitor", pages: MONITOR },
  ...WEB_MODULES.map((m) => ({ title: m.title, pages: m.pages })),
  { title: "Alerts", pages: ALERTS },
  { title: "Account", pages: ACCOUNT },
];

function NavLink({ page }: { page: WebPage }) {
  const [active] = useRoute(page.path);
  return (
    <Link href={page.path} aria-current={active ? "page" : undefined}>
      {page.nav}
    </Link>
  );
}

/** The sidebar: each group's pages; on a narrow screen shown while `open`, closed on navigating. */
function DashboardNav({ open, onNavigate }: { open: boolean; onNavigate: () => void }) {
  const [location] = useLocation();
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the address changes
  useEffect(onNavigate, [location]);
  return (
    <nav aria-label="Dashboard" id="dashboard-nav" className={open ? "side open" : "side"}>
      {GROUPS.map((g) => (
        <div key={g.title}>
          <h2>{g.title}</h2>
          <ul className="side-list">
            {g.pages
              .filter((p) => p.nav)
              .map((p) => (
                <li key={p.path}>
                  <NavLink page={p} />
                </li>
              ))}
          </ul>
        </div>
      ))}
      <p>
        <a href="/docs">API reference</a>
      </p>
    </nav>
  );
}

/**
 * The dashboard under `/app`. It reads only the public API: with this tab's API key, or with none
 * where the install needs none yet (a single-tenant install on localhost opens straight in).
 */
export function App() {
  const [me, setMe] = useState<Me | null | "signed-out">(null);
  // Pages wait for the first answer about the caller: a tab that is not signed in yet would
  // otherwise ask the API for every panel's data and be refused, and each refusal counts against
  // its address's failed authentications (API_AUTH_FAILURES_PER_MINUTE).
  const [checked, setChecked] = useState(false);
  // On a narrow screen the navigation folds behind a Menu button, so a page starts at its content.
  const [menuOpen, setMenuOpen] = useState(false);
  const check = useCallback(() => {
    getJson<Me>("/tenants/me")
      .then(setMe)
      .catch((e) => setMe(e instanceof ApiError && e.status === 401 ? "signed-out" : null))
      .finally(() => setChecked(true));
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
        <span className="tenant">{me ? me.tenant.name : ""}</span>
        {apiKey.get() || (me && me.actor !== "local") ? (
          <button
            type="button"
            className="theme-toggle"
            onClick={() => {
              signOut().finally(() => setMe("signed-out"));
            }}
          >
            Sign out
          </button>
        ) : null}
        <ThemeToggle />
        <button
          type="button"
          className="theme-toggle menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="dashboard-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
      </header>
      <div className="layout">
        <DashboardNav open={menuOpen} onNavigate={() => setMenuOpen(false)} />
        <main id="main">
          <DemoBanner />
          <Suspense fallback={<p>Loading…</p>}>
            {checked ? (
              <Switch>
                {GROUPS.flatMap((g) => g.pages).map((p) => (
                  <Route key={p.path} path={p.path}>
                    {(params) => <p.component params={params} />}
                  </Route>
                ))}
                <Route>
                  <p>No such page.</p>
                </Route>
              </Switch>
            ) : (
              <p>Loading…</p>
            )}
          </Suspense>
        </main>
      </div>
    </Router>
  );
}
