/**
 * `npm run containers:lint`: checks the container files with real tools, without a Docker engine.
 * - Dockerfile: dockerfile-utils (the validator behind the Dockerfile language server), every
 *   diagnostic, warnings included, fails.
 * - docker-compose.yml: Debian's docker-compose (1.29, `config -q`): the Compose file against the
 *   Compose Specification schema it ships, variables interpolated from .env.example (so it also
 *   proves .env.example sets every required variable), references between services and volumes.
 * - deploy/prometheus/prometheus.yml: `promtool check config` (Debian's prometheus package), which
 *   also checks every alerting rule file it loads.
 * The two Debian tools: `apt-get install -y --no-install-recommends docker-compose prometheus`
 * (.ci/run installs them). Exit code 1 when a check fails or a tool is missing.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { validate } from "dockerfile-utils";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The Language Server Protocol's DiagnosticSeverity.Error, which dockerfile-utils reports in. */
const LSP_ERROR = 1;
const INSTALL = "apt-get install -y --no-install-recommends docker-compose prometheus";

function lintDockerfile(): boolean {
  const text = readFileSync(`${ROOT}Dockerfile`, "utf8");
  const problems = validate(text);
  for (const p of problems) {
    const level = p.severity === LSP_ERROR ? "error" : "warning";
    console.error(`Dockerfile:${p.range.start.line + 1}: ${level}: ${p.message}`);
  }
  return problems.length === 0;
}

/** Runs a tool from the repository's root, its output passed through. */
function run(tool: string, args: string[]): boolean {
  const r = spawnSync(tool, args, { cwd: ROOT, stdio: "inherit" });
  if (r.error) {
    console.error(`${tool}: ${r.error.message} (install it: ${INSTALL})`);
    return false;
  }
  return r.status === 0;
}

const checks: [string, () => boolean][] = [
  ["Dockerfile (dockerfile-utils)", lintDockerfile],
  [
    "docker-compose.yml (docker-compose config)",
    () =>
      run("docker-compose", [
        "--env-file",
        ".env.example",
        "--file",
        "docker-compose.yml",
        "config",
        "--quiet",
      ]),
  ],
  [
    "deploy/prometheus/prometheus.yml (promtool check config)",
    () => run("promtool", ["check", "config", "deploy/prometheus/prometheus.yml"]),
  ],
];

let failed = 0;
for (const [name, check] of checks) {
  const ok = check();
  if (!ok) failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}`);
}
process.exit(failed === 0 ? 0 : 1);
