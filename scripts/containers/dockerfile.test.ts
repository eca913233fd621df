// The Dockerfile against the app: the Node it runs, how it starts and stops, what it copies.
// Its syntax is checked by `npm run containers:lint` (dockerfile-utils); this checks what a
// linter cannot know. That its ENV names are kamiyo settings: compose.test.ts.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  copiesOf,
  envOf,
  execForm,
  instructionsOf,
  ROOT,
  readDockerfile,
  readText,
} from "./container-files.ts";

const dockerfile = readDockerfile();
const runtime = dockerfile.stages.at(-1);
if (!runtime) throw new Error("the Dockerfile has no stage");
const pkg = JSON.parse(readText("package.json")) as { devDependencies: Record<string, string> };

describe("Dockerfile", () => {
  it("builds every stage on the official Node image of the Node the tests run on", () => {
    const image = dockerfile.args.NODE_IMAGE ?? "";
    expect(image).toMatch(new RegExp(`^node:${pkg.devDependencies.node}-[a-z]+-slim$`));
    for (const stage of dockerfile.stages) expect(stage.image).toBe("$" + "{NODE_IMAGE}");
  });

  it("runs the kamiyo bin with node as PID 1, the bin's own Node flags, and no npm", () => {
    const entrypoint = instructionsOf(runtime, "ENTRYPOINT");
    const cmd = instructionsOf(runtime, "CMD");
    expect(entrypoint).toHaveLength(1);
    expect(cmd).toHaveLength(1);
    const argv = [
      ...(execForm(entrypoint[0] as never) ?? []),
      ...(execForm(cmd[0] as never) ?? []),
    ];
    // The flags the bin's shebang gives node (`#!/usr/bin/env -S node FLAGS`).
    const shebang = readText("apps/cli/bin/kamiyo.js").split("\n")[0] ?? "";
    const flags = shebang.replace(/^#!\/usr\/bin\/env -S node\s*/, "").split(/\s+/);
    expect(argv).toEqual(["node", ...flags, "apps/cli/bin/kamiyo.js", "serve"]);
    expect(existsSync(`${ROOT}apps/cli/bin/kamiyo.js`)).toBe(true);
  });

  it("runs as a numeric non-root user", () => {
    const users = instructionsOf(runtime, "USER").map((u) => u.getArgumentsContent() ?? "");
    const [uid, gid] = (users.at(-1) ?? "").split(":");
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
  });

  it("checks liveness with node's fetch of /health on API_PORT, in exec form", () => {
    const checks = instructionsOf(runtime, "HEALTHCHECK");
    expect(checks).toHaveLength(1);
    const args = (checks[0]?.getArgumentsContent() ?? "").replace(/^(--\S+\s+)*CMD\s+/, "");
    const test = JSON.parse(args) as string[];
    expect(test.slice(0, 2)).toEqual(["node", "-e"]);
    expect(test[2]).toContain("process.env.API_PORT + '/health'");
  });

  it("listens on all interfaces, with its data under the one folder it owns", () => {
    const env = envOf(runtime);
    expect(env.API_HOST).toBe("0.0.0.0");
    expect(env.KAMIYO_DATA_DIR).toMatch(/^\/var\/lib\/kamiyo\//);
    expect(env.KAMIYO_CACHE_DIR).toMatch(/^\/var\/lib\/kamiyo\//);
    const runs = instructionsOf(runtime, "RUN").map((r) => r.getArgumentsContent() ?? "");
    expect(runs.join("\n")).toContain("chown -R 1000:1000 /var/lib/kamiyo");
  });

  it("copies into the runtime stage only folders that exist, and the web app from the build stage", () => {
    const copies = copiesOf(runtime);
    const sources = copies.filter((c) => c.from === null).flatMap((c) => c.sources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(existsSync(`${ROOT}${source}`), source).toBe(true);
    expect(copies).toContainEqual({
      from: "build",
      sources: ["/app/apps/web/dist/"],
      target: "apps/web/dist/",
    });
    expect(copies).toContainEqual({ from: "prod-deps", sources: ["/app/"], target: "./" });
  });

  it("installs only production dependencies in the stage the runtime copies them from", () => {
    const prodDeps = dockerfile.stages.find((s) => s.name === "prod-deps");
    const runs = prodDeps
      ? instructionsOf(prodDeps, "RUN").map((r) => r.getArgumentsContent())
      : [];
    expect(runs).toEqual(["npm ci --omit=dev --ignore-scripts --no-audit --no-fund"]);
  });
});
