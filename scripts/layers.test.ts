/**
 * The layering rule of ARCHITECTURE.md ("Layers and the dependency rule"), as lint enforces it:
 * Biome's `noRestrictedImports`, configured per folder in biome.json. These tests hold the
 * configuration to the folders that exist (a new module is restricted like the others), keep the
 * list of known exceptions shrinking, and run Biome on probe files laid out like the repository
 * to show that a forbidden import fails lint and an allowed one passes.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIOME = join(ROOT, "node_modules/.bin/biome");

interface Restriction {
  level: string;
  options: { paths: Record<string, string>; patterns: { group: string[] }[] };
}
interface Override {
  includes: string[];
  linter?: { rules?: { style?: { noRestrictedImports?: Restriction | "off" } } };
}
const config = JSON.parse(readFileSync(join(ROOT, "biome.json"), "utf8")) as {
  overrides: Override[];
};
const rule = (o: Override) => o.linter?.rules?.style?.noRestrictedImports;
const restrictionFor = (folder: string) => {
  const o = config.overrides.find((x) => x.includes[0] === folder && typeof rule(x) === "object");
  return o && (rule(o) as Restriction);
};

const modules = readdirSync(join(ROOT, "modules"));
const apps = readdirSync(join(ROOT, "apps"));

/** No platform file imports a module: an exception to the rule is not allowed back in. */
const KNOWN_EXCEPTIONS_AT_MOST = 0;

describe("the layering rule's configuration", () => {
  it("forbids every module and app to the platform", () => {
    const r = restrictionFor("packages/**");
    expect(r?.level).toBe("error");
    for (const m of modules) expect(Object.keys(r?.options.paths ?? {})).toContain(`@kamiyo/${m}`);
    for (const a of apps) expect(Object.keys(r?.options.paths ?? {})).toContain(`@kamiyo/${a}`);
  });

  it("forbids every other module and every app to each module", () => {
    expect(modules.length).toBeGreaterThanOrEqual(2);
    for (const m of modules) {
      const r = restrictionFor(`modules/${m}/**`);
      expect(r?.level, `modules/${m} has no restriction in biome.json`).toBe("error");
      const forbidden = Object.keys(r?.options.paths ?? {});
      for (const other of modules.filter((x) => x !== m))
        expect(forbidden).toContain(`@kamiyo/${other}`);
      expect(forbidden).not.toContain(`@kamiyo/${m}`);
    }
  });

  it("turns the rule off for no file", () => {
    const off = config.overrides.filter((o) => rule(o) === "off").flatMap((o) => o.includes);
    expect(off.length).toBeLessThanOrEqual(KNOWN_EXCEPTIONS_AT_MOST);
    for (const file of off) {
      expect(file.startsWith("packages/"), file).toBe(true);
      expect(existsSync(join(ROOT, file)), `${file} is gone: drop it from biome.json`).toBe(true);
    }
  });
});

describe("lint on files laid out like the repository", () => {
  const dir = mkdtempSync(join(tmpdir(), "kamiyo-layers-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const [first, second] = modules as [string, string];
  const probes: Record<string, string> = {
    "packages/core/src/platform-imports-module.ts": `import { x } from "@kamiyo/${first}";`,
    "packages/core/src/platform-reaches-module.ts": `import { x } from "../../../modules/${first}/src/index.ts";`,
    "packages/core/src/platform-imports-app.ts": `import { x } from "@kamiyo/${apps[0]}";`,
    [`modules/${first}/src/module-imports-module.ts`]: `import { x } from "@kamiyo/${second}";`,
    [`modules/${first}/src/module-reaches-module.ts`]: `import { x } from "../../${second}/src/index.ts";`,
    [`modules/${first}/src/module-imports-platform.ts`]: `import { x } from "@kamiyo/core";`,
    [`apps/${apps[0]}/src/app-imports-module.ts`]: `import { x } from "@kamiyo/${first}";`,
  };
  let report = "";
  beforeAll(() => {
    writeFileSync(join(dir, "biome.json"), JSON.stringify(config));
    for (const [file, line] of Object.entries(probes)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), `${line}\nexport const y = x;\n`);
    }
    try {
      execFileSync(BIOME, ["lint", "--vcs-enabled=false", "--reporter=github", "."], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (err) {
      report = String((err as { stdout?: string }).stdout ?? "");
    }
  });
  const refused = (file: string) =>
    report.includes(`title=lint/style/noRestrictedImports,file=${join(dir, file)},`);

  it.each(Object.keys(probes).filter((f) => !/imports-platform|app-imports/.test(f)))(
    "refuses %s",
    (file) => {
      expect(refused(file)).toBe(true);
    },
  );

  it.each(Object.keys(probes).filter((f) => /imports-platform|app-imports/.test(f)))(
    "allows %s",
    (file) => {
      expect(report).toContain("noRestrictedImports");
      expect(refused(file)).toBe(false);
    },
  );
});
