import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The client bundle (`dist/client`: index.html and hashed assets under /assets/) and, with
 * `--ssr src/entry-server.tsx`, the server renderer of the landing page (`dist/server`).
 */
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist/client", emptyOutDir: true, sourcemap: false },
});
