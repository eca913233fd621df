/**
 * `npm run charts:lint`: for every chart under charts/, `helm lint --strict` and `helm template`
 * with its default values, each example in its ci/ folder, and (kamiyo-rca-agent) the values
 * `kamiyo rca onboard` writes; every rendered object is validated against the Kubernetes schemas.
 * Exits 1 naming each problem.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { agentValues } from "../../modules/rca/src/onboarding/install-package.ts";
import { helm } from "./helm.ts";
import { parseObjects, validateObjects } from "./validate.ts";

const CHARTS = fileURLToPath(new URL("../../charts", import.meta.url));

/**
 * Charts that cannot be installed with their defaults alone, and the error `helm template` must
 * give without values: kamiyo-rca-agent's values come from `kamiyo rca onboard`.
 */
const NEEDS_VALUES: Record<string, string> = {
  "kamiyo-rca-agent": "endpoint: the platform's API URL",
};

/** Onboarding's values for an HTTP-only client and for one whose state watcher uses NATS. */
export function onboardingValues(): Record<string, Record<string, unknown>> {
  const base = {
    name: "Acme",
    tenantId: "ten_acme",
    plan: "rca_basic",
    endpoint: "https://api.kamiyo.example/",
    agentKey: "kmy_live_not-a-real-key",
  };
  return {
    "onboard-http": agentValues(base),
    "onboard-nats": agentValues({
      ...base,
      nats: { url: "nats://ingest.kamiyo.example:4222", creds: "not real creds" },
    }),
  };
}

/** The problems of one chart with one values file (none: the default values). */
export async function checkChart(chart: string, valuesFile: string | null): Promise<string[]> {
  const values = valuesFile ? ["--values", valuesFile] : [];
  const label = `${chart}${valuesFile ? ` with ${valuesFile}` : ""}`;
  const needed = NEEDS_VALUES[chart];
  if (needed && !valuesFile) {
    const r = helm(["template", "release", join(CHARTS, chart)]);
    return r.code !== 0 && r.stderr.includes(needed)
      ? []
      : [`${label}: rendered without values; expected the error "${needed}"`];
  }
  const lint = helm(["lint", "--strict", join(CHARTS, chart), ...values]);
  if (lint.code !== 0)
    return [`${label}: helm lint --strict failed:\n${lint.stdout}${lint.stderr}`];
  const rendered = helm([
    "template",
    "release",
    join(CHARTS, chart),
    "--namespace",
    "kamiyo",
    ...values,
  ]);
  if (rendered.code !== 0) return [`${label}: helm template failed:\n${rendered.stderr}`];
  const objects = parseObjects(rendered.stdout);
  if (objects.length === 0) return [`${label}: rendered nothing`];
  return (await validateObjects(objects)).map((p) => `${label}: ${p}`);
}

/** Every chart with every values set it is checked with. */
export function valueSets(tmp: string): { chart: string; values: string | null }[] {
  const sets: { chart: string; values: string | null }[] = [];
  for (const chart of readdirSync(CHARTS, { withFileTypes: true })) {
    if (!chart.isDirectory()) continue;
    sets.push({ chart: chart.name, values: null });
    const ci = join(CHARTS, chart.name, "ci");
    for (const f of readdirSync(ci)
      .filter((n) => n.endsWith(".yaml"))
      .sort())
      sets.push({ chart: chart.name, values: join(ci, f) });
  }
  for (const [name, values] of Object.entries(onboardingValues())) {
    const file = join(tmp, `${name}.yaml`);
    writeFileSync(file, stringify(values));
    sets.push({ chart: "kamiyo-rca-agent", values: file });
  }
  return sets;
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "kamiyo-charts-"));
  try {
    const problems: string[] = [];
    const sets = valueSets(tmp);
    for (const s of sets) problems.push(...(await checkChart(s.chart, s.values)));
    if (problems.length > 0) {
      for (const p of problems) console.error(p);
      process.exitCode = 1;
      return;
    }
    console.log(`charts: ${sets.length} chart and values sets linted, rendered and valid`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
