import { Link, useLocation } from "wouter";

const PAGES = [
  { href: "/account", label: "Usage and invoices" },
  { href: "/account/subscription", label: "Subscription" },
  { href: "/account/keys", label: "API keys" },
  { href: "/account/members", label: "Members" },
  { href: "/account/audit", label: "Audit log" },
] as const;

/** The account area's own navigation; the page shown is marked as current. */
export function AccountNav() {
  const [location] = useLocation();
  return (
    <nav aria-label="Account" className="subnav">
      <ul className="subnav-list">
        {PAGES.map((p) => (
          <li key={p.href}>
            <Link href={p.href} aria-current={location === p.href ? "page" : undefined}>
              {p.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
