import { hydrateRoot } from "react-dom/client";
import { embeddedCatalog } from "./catalog.ts";
import { Landing } from "./landing/Landing.tsx";
import "./styles.css";

const root = document.getElementById("root");
if (root) hydrateRoot(root, <Landing catalog={embeddedCatalog()} />);
