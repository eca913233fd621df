/**
 * `npm run charts:lint`: for every chart under charts/, `helm lint --strict` and `helm template`
 * with its default values, each example in its ci/ folder, and (kamiyo-rca-agent) the values
 * `kamiyo rca onboard` writes; every rendered object is validated against the Kubernetes schemas.
 * Exits 1 naming each problem.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { agentValues } from "../../modules/rca/src/onboarding/install-package.ts";
import { helm } from "./helm.ts";
import { type K8sObject, parseObjects, validateObjects } from "./validate.ts";

/** The charts' folder. */
export const CHARTS = fileURLToPath(new URL("../../charts", import.meta.url));

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

/** The objects `helm template` renders from `chartDir` with `valuesFiles`; throws helm's error. */
export function render(chartDir: string, valuesFiles: readonly string[] = []): K8sObject[] {
  const r = helm([
    "template",
    "release",
    chartDir,
    "--namespace",
    "kamiyo",
    ...valuesFiles.flatMap((f) => ["--values", f]),
  ]);
  if (r.code !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  return parseObjects(r.stdout);
}

/**
 * The problems of the chart in `chartDir` with one values file (null: the default values):
 * `helm lint --strict`, `helm template`, and each rendered object against its schema.
 */
export async function checkChart(chartDir: string, valuesFile: string | null): Promise<string[]> {
  const chart = basename(chartDir);
  const label = `${chart}${valuesFile ? ` with ${valuesFile}` : ""}`;
  const needed = NEEDS_VALUES[chart];
  if (needed && !valuesFile) {
    const r = helm(["template", "release", chartDir]);
    return r.code !== 0 && r.stderr.includes(needed)
      ? []
      : [`${label}: rendered without values; expected the error "${needed}"`];
  }
  const lint = helm([
    "lint",
    "--strict",
    chartDir,
    ...(valuesFile ? ["--values", valuesFile] : []),
  ]);
  if (lint.code !== 0)
    return [`${label}: helm lint --strict failed:\n${lint.stdout}${lint.stderr}`];
  let objects: K8sObject[];
  try {
    objects = render(chartDir, valuesFile ? [valuesFile] : []);
  } catch (err) {
    return [`${label}: ${(err as Error).message}`];
  }
  if (objects.length === 0) return [`${label}: rendered nothing`];
  return (await validateObjects(objects)).map((p) => `${label}: ${p}`);
}

/** Every chart's folder with every values file it is checked with (`tmp` gets onboarding's). */
export function valueSets(tmp: string): { chart: string; values: string | null }[] {
  const sets: { chart: string; values: string | null }[] = [];
  for (const entry of readdirSync(CHARTS, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(CHARTS, entry.name);
    sets.push({ chart: dir, values: null });
    const ci = join(dir, "ci");
    for (const f of readdirSync(ci)
      .filter((n) => n.endsWith(".yaml"))
      .sort())
      sets.push({ chart: dir, values: join(ci, f) });
  }
  for (const [name, values] of Object.entries(onboardingValues())) {
    const file = join(tmp, `${name}.yaml`);
    writeFileSync(file, stringify(values));
    sets.push({ chart: join(CHARTS, "kamiyo-rca-agent"), values: file });
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
