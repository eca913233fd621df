import type { ComponentType } from "react";

/** A page of the dashboard at `/app{path}`; `path` is a wouter pattern (`/exploits/:id`). */
export interface WebPage {
  path: string;
  /** Its entry in the navigation; none for pages reached by links (an incident, a finding). */
  nav?: string;
  component: ComponentType<{ params: Record<string, string | undefined> }>;
}

/**
 * What a product module brings to the dashboard, the way its `ApiModule` brings routes: its pages
 * (reading only the public API) and its part of the overview. The list is `src/modules/index.ts`.
 */
export interface WebModule {
  id: string;
  /** The navigation group's heading. */
  title: string;
  pages: WebPage[];
  /** Its part of the overview page, if it has one. */
  overview?: ComponentType;
}
