import { renderToString } from "react-dom/server";
import type { PlanCatalog } from "./catalog.ts";
import { Landing } from "./landing/Landing.tsx";

/** The landing page's HTML for `catalog` (kamiyo serve puts it in index.html for `GET /`). */
export function renderLanding(catalog: PlanCatalog): string {
  return renderToString(<Landing catalog={catalog} />);
}
