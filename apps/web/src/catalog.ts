/** The plan catalog as `GET /plans` serves it (the API's `PlanCatalog` schema). */
export interface PlanCatalog {
  products: {
    id: "platform" | "intel" | "rca" | "shield";
    label: string;
    plans: { id: string; label: string; monthlyCents: number | null }[];
    /** The plans compared row by row, one cell per plan. */
    rows: { label: string; cells: string[] }[];
  }[];
}

/** The catalog the server rendered the page with, embedded in it as JSON (read once to hydrate). */
export function embeddedCatalog(): PlanCatalog {
  const text = document.getElementById("catalog")?.textContent;
  if (!text) throw new Error("the page has no embedded catalog (#catalog)");
  return JSON.parse(text) as PlanCatalog;
}
