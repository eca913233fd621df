import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import fastifyStatic from "@fastify/static";
import { planCatalogJson } from "@kamiyo/api";
import type { Logger } from "@kamiyo/core";
import type { FastifyInstance, FastifyReply } from "fastify";

/** Where `npm run build -w @kamiyo/web` (run by `npm ci`) writes the web app. */
export const WEB_DIST = fileURLToPath(new URL("../dist/", import.meta.url));

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kamiyo</title></head>
<body><main><h1>Kamiyo</h1><p>The web app is not built. Run <code>npm run build -w @kamiyo/web</code>
(<code>npm ci</code> does it), then restart <code>kamiyo serve</code>. The API is at <a href="/docs">/docs</a>.</p></main></body></html>`;

/** JSON safe inside a `<script>` element (no `</script>` or `<!--` can close it). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/**
 * Serves the web app beside the API: `GET /` the landing page, rendered on the server once at
 * start from the plan catalog (so its pricing is in the HTML, for crawlers and without
 * JavaScript) and hydrated in the browser; `/assets/*` the built files, cached for a year (their
 * names carry a hash), Brotli or gzip as the browser accepts; `/app` and below the dashboard, which
 * renders in the browser from the public API. All open, like `/docs`. When the app is not built, `/` says how to build it.
 * @returns whether the built app is served.
 */
export async function serveWebApp(
  app: FastifyInstance,
  log: Logger,
  dist = WEB_DIST,
): Promise<"served" | "not built"> {
  const index = join(dist, "client/index.html");
  const renderer = join(dist, "server/entry-server.js");
  const open = { config: { public: true }, schema: { hide: true } } as const;
  if (!existsSync(index) || !existsSync(renderer)) {
    log.warn({ dist }, "the web app is not built: / explains how to build it");
    app.get("/", open, async (_req, reply) =>
      reply.code(503).type("text/html; charset=utf-8").send(NOT_BUILT),
    );
    return "not built";
  }
  const { renderLanding } = (await import(pathToFileURL(renderer).href)) as {
    renderLanding: (catalog: ReturnType<typeof planCatalogJson>) => string;
  };
  const catalog = planCatalogJson();
  const template = readFileSync(index, "utf8");
  // The dashboard renders in the browser: the same page with no server-rendered content.
  const dashboard = template.replace("<!--app-head-->", "").replace("<!--app-html-->", "");
  const page = template
    .replace(
      "<!--app-head-->",
      `<script id="catalog" type="application/json">${scriptJson(catalog)}</script>`,
    )
    .replace("<!--app-html-->", renderLanding(catalog));
  app.get("/", open, async (_req, reply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(page),
  );
  const sendDashboard = async (_req: unknown, reply: FastifyReply) =>
    reply.type("text/html; charset=utf-8").header("cache-control", "no-cache").send(dashboard);
  app.get("/app", open, sendDashboard);
  app.get("/app/*", open, sendDashboard);
  await app.register(async (scope) => {
    // Marked open as they are added; the key check asks again per request (as for /docs).
    scope.addHook("onRoute", (route) => {
      route.config = { ...route.config, public: true };
      route.schema = { ...route.schema, hide: true };
    });
    await scope.register(fastifyStatic, {
      root: join(dist, "client/assets"),
      prefix: "/assets/",
      immutable: true,
      maxAge: "365d",
      index: false,
      // The build writes .br and .gz beside each asset (scripts/compress.ts).
      preCompressed: true,
    });
  });
  return "served";
}
