import type { PlanCatalog } from "../catalog.ts";
import { LiveFigures } from "./LiveFigures.tsx";
import { Pricing } from "./Pricing.tsx";
import { PRODUCT_LINES } from "./products.ts";
import { ThemeToggle } from "./ThemeToggle.tsx";

/** The public landing page: what Kamiyo does, and what it costs (from the catalog). */
export function Landing({ catalog }: { catalog: PlanCatalog }) {
  return (
    <>
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="top">
        <span className="brand">Kamiyo</span>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href="#products">Products</a>
            </li>
            <li>
              <a href="#pricing">Pricing</a>
            </li>
            <li>
              <a href="/docs">API reference</a>
            </li>
          </ul>
        </nav>
        <ThemeToggle />
      </header>
      <main id="main">
        <section className="hero" aria-labelledby="hero-title">
          <h1 id="hero-title">Real-time risk and security monitoring</h1>
          <p className="lede">
            Kamiyo watches what costs money as it happens: losses and manipulation on Hyperliquid,
            exploits across chains, and, next, the root causes of Kubernetes incidents and the spend
            behind every ad bid. Self-host the open-source monitor on one machine, or use the hosted
            platform.
          </p>
        </section>
        <LiveFigures />
        <section id="products" aria-labelledby="products-title" className="section">
          <h2 id="products-title">What it does</h2>
          <ul className="cards">
            {PRODUCT_LINES.map((p) => (
              <li key={p.id} className="card">
                <h3>{p.name}</h3>
                <p className="status">{p.status}</p>
                <p>{p.summary}</p>
              </li>
            ))}
          </ul>
        </section>
        <Pricing catalog={catalog} />
      </main>
      <footer className="bottom">
        <p>
          Kamiyo is open source under the AGPL-3.0. The API is documented at{" "}
          <a href="/docs">/docs</a> (OpenAPI 3.1 at <a href="/openapi.json">/openapi.json</a>);
          plans as JSON at <a href="/plans">/plans</a>.
        </p>
      </footer>
    </>
  );
}
