import type { WebModule } from "../../app/web-module.ts";
import { ExploitsPage, IncidentPage } from "./ExploitsPage.tsx";

/** Exploit intelligence's pages: the explorer and an incident. */
export const intelWeb: WebModule = {
  id: "intel",
  title: "Exploit intelligence",
  pages: [
    { path: "/exploits", nav: "Exploits", component: ExploitsPage },
    { path: "/exploits/:id", component: ({ params }) => <IncidentPage id={params.id ?? ""} /> },
  ],
};
