import { createRoot, hydrateRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { embeddedCatalog } from "./catalog.ts";
import { Landing } from "./landing/Landing.tsx";
import "./styles.css";

const root = document.getElementById("root");
if (root) {
  // The dashboard renders in the browser; the landing page was rendered on the server.
  if (location.pathname === "/app" || location.pathname.startsWith("/app/"))
    createRoot(root).render(<App />);
  else hydrateRoot(root, <Landing catalog={embeddedCatalog()} />);
}
