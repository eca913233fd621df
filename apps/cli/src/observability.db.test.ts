import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { FetchHttpClient, IoTracker, seededRandom, silentLogger, VirtualClock } from "@kamiyo/core";
import { monitorConfig } from "@kamiyo/hyperliquid";
import { Monitor } from "@kamiyo/monitor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { MODULES, PLUGINS } from "./modules.ts";
import {
  exposedMetrics,
  metricsOf,
  metricsOfVariable,
  SCRAPE_SERIES,
} from "./testing/promql-names.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
/** The Grafana dashboards shipped in the repo. */
const DASHBOARDS = join(REPO, "grafana/dashboards");
/** The Prometheus rule files shipped in the repo (the compose stack loads `*.yml` from here). */
const RULES = join(REPO, "deploy/prometheus/rules");
/** Where each rule's runbook is: a section of this document. */
const RUNBOOK_DOC = "docs/observability.md";
const DATASOURCE = "${datasource}";

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating?: { list: Variable[] };
  panels: Panel[];
}

const dashboards = readdirSync(DASHBOARDS)
  .filter((f) => f.endsWith(".json"))
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(join(DASHBOARDS, file), "utf8")) as Dashboard,
  }));
/** Every panel of a dashboard, those inside rows included. */
const panelsOf = (d: Dashboard) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const variableQuery = (v: Variable) => (typeof v.query === "string" ? v.query : v.query?.query);

/** The standard rule-file shape (Prometheus' `rule_files`): groups of alerting rules. */
const duration = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/);
const alertingRule = z.strictObject({
  alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
  expr: z.string().min(1),
  for: duration.optional(),
  labels: z.strictObject({ severity: z.enum(["critical", "warning", "info"]) }),
  annotations: z.strictObject({
    summary: z.string().min(1),
    description: z.string().min(1),
    runbook_url: z.string().startsWith(`${RUNBOOK_DOC}#`),
  }),
});
const ruleFile = z.strictObject({
  groups: z
    .array(z.strictObject({ name: z.string().min(1), rules: z.array(alertingRule).min(1) }))
    .min(1),
});
const ruleFiles = readdirSync(RULES)
  .filter((f) => f.endsWith(".yml"))
  .map((file) => ({ file, text: readFileSync(join(RULES, file), "utf8") }));

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

/** `promtool` (Debian's `prometheus` package) when installed: the rules are also checked by it. */
const promtool = (() => {
  try {
    execFileSync("promtool", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("PromQL names", () => {
  it("reads metric names out of PromQL and of Grafana's variable queries", () => {
    expect(
      metricsOf(
        'sum by (platform, state) (rate(syncflow_spend_total{tenant=~"$tenant"}[5m])) / 1e6 / max(a_b)',
      ),
    ).toEqual(["syncflow_spend_total", "a_b"]);
    expect(metricsOf("increase(x_total[$__range]) > 0 or changes(y[1h])")).toEqual([
      "x_total",
      "y",
    ]);
    expect(metricsOfVariable("label_values(kamiyo_rca_queries_total, tenant)")).toEqual([
      "kamiyo_rca_queries_total",
    ]);
    expect(metricsOfVariable("label_values(instance)")).toEqual([]);
  });
});

describe("the Grafana dashboards", () => {
  it("are Grafana dashboards with unique uids, each panel's id unique in its dashboard", () => {
    expect(dashboards.length).toBeGreaterThan(0);
    const uids = dashboards.map((d) => d.dashboard.uid);
    expect(new Set(uids).size, uids.join(" ")).toBe(uids.length);
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.uid, file).toMatch(/^kamiyo-[a-z0-9-]+$/);
      expect(dashboard.title, file).toBeTruthy();
      expect(dashboard.schemaVersion, file).toBe(39);
      const ids = panelsOf(dashboard).map((p) => p.id);
      expect(
        ids.every((id) => Number.isInteger(id)),
        file,
      ).toBe(true);
      expect(new Set(ids).size, file).toBe(ids.length);
    }
  });

  it("query Prometheus through the dashboard's datasource variable, never a fixed datasource", () => {
    const wrong: string[] = [];
    for (const { file, dashboard } of dashboards) {
      const variables = dashboard.templating?.list ?? [];
      const ds = variables.find((v) => v.name === "datasource");
      expect(ds?.type, file).toBe("datasource");
      expect(variableQuery(ds as Variable), file).toBe("prometheus");
      for (const v of variables)
        if (v.type === "query" && v.datasource?.uid !== DATASOURCE)
          wrong.push(`${file} $${v.name}`);
      for (const p of panelsOf(dashboard)) {
        if (!p.targets?.length) continue;
        if (p.datasource?.uid !== DATASOURCE) wrong.push(`${file} "${p.title}"`);
        for (const t of p.targets)
          if (t.datasource && t.datasource.uid !== DATASOURCE)
            wrong.push(`${file} "${p.title}" ${t.refId}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("the dashboards' queries", () => {
  it.runIf(promtool)(
    "are PromQL Prometheus parses (promtool, Grafana's range variables set)",
    () => {
      const rules = dashboards.flatMap(({ dashboard }) =>
        panelsOf(dashboard).flatMap((p) =>
          (p.targets ?? []).map((t) => ({
            record: "dashboard:query",
            expr: (t.expr ?? "").replace(/\$__(?:range|rate_interval|interval)\b/g, "1h"),
          })),
        ),
      );
      const dir = mkdtempSync(join(tmpdir(), "kamiyo-dashboards-"));
      try {
        const file = join(dir, "queries.yml");
        writeFileSync(file, stringifyYaml({ groups: [{ name: "dashboards", rules }] }));
        execFileSync("promtool", ["check", "rules", file], { stdio: "pipe" });
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
  );
});

describe("the Prometheus alert rules", () => {
  it("are rule files in the standard shape, each alert named once with its runbook section", () => {
    expect(ruleFiles.length).toBeGreaterThan(0);
    const doc = readFileSync(join(REPO, RUNBOOK_DOC), "utf8");
    const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map(([, h]) => anchorOf(h ?? "")));
    const names: string[] = [];
    const missingRunbooks: string[] = [];
    for (const { file, text } of ruleFiles) {
      const parsed = ruleFile.safeParse(parseYaml(text));
      expect(parsed.error?.issues ?? [], file).toEqual([]);
      for (const group of parsed.data?.groups ?? [])
        for (const rule of group.rules) {
          names.push(rule.alert);
          const anchor = rule.annotations.runbook_url.slice(RUNBOOK_DOC.length + 1);
          if (!anchors.has(anchor)) missingRunbooks.push(`${rule.alert}: #${anchor}`);
        }
    }
    expect(new Set(names).size, names.join(" ")).toBe(names.length);
    expect(missingRunbooks).toEqual([]);
  });

  it.runIf(promtool)(
    "pass promtool's check and its unit tests (deploy/prometheus/rules/tests)",
    () => {
      for (const { file } of ruleFiles)
        execFileSync("promtool", ["check", "rules", join(RULES, file)], { stdio: "pipe" });
      const tests = readdirSync(join(RULES, "tests")).filter((f) => f.endsWith(".yml"));
      expect(tests.length).toBeGreaterThan(0);
      execFileSync("promtool", ["test", "rules", ...tests], {
        cwd: join(RULES, "tests"),
        stdio: "pipe",
      });
    },
  );
});

describe("dashboards and alert rules", () => {
  let h: Harness;
  let monitor: Monitor;
  let exported: Set<string>;
  beforeAll(async () => {
    // The app as `kamiyo serve` composes it: every module, a monitor in the process (the
    // pipeline's metrics) and a delivery worker (its attempts).
    const config = monitorConfig.parse({});
    const io = new IoTracker();
    monitor = await Monitor.create(config, {
      clock: new VirtualClock(0),
      random: seededRandom(1),
      log: silentLogger,
      http: new FetchHttpClient({ userAgent: "test", timeoutMs: 1_000, io }),
      io,
      db: null,
      tenantId: "ten_default",
      plugins: MODULES.pipeline,
    });
    h = await apiHarness({
      seeded: false,
      modules: MODULES.api,
      migrations: MODULES.migrations,
      plugins: PLUGINS,
      monitorConfig: config,
      monitor,
      deliveryStats: () => ({ attempts: 0, delivered: 0, failed: 0, exhausted: 0, errors: 0 }),
    });
    exported = exposedMetrics((await h.app.inject({ method: "GET", url: "/metrics" })).body);
  });
  afterAll(async () => {
    await h?.close();
    await monitor?.stop();
  });

  it("query only metrics the composed app exports", () => {
    const missing: string[] = [];
    let queries = 0;
    for (const { file, dashboard } of dashboards) {
      for (const v of dashboard.templating?.list ?? []) {
        const query = v.type === "query" ? variableQuery(v) : undefined;
        for (const m of query ? metricsOfVariable(query) : [])
          if (!exported.has(m)) missing.push(`${file} $${v.name}: ${m}`);
      }
      for (const panel of panelsOf(dashboard))
        for (const t of panel.targets ?? []) {
          expect(t.expr, `${file} "${panel.title}"`).toBeTruthy();
          queries++;
          for (const m of metricsOf(t.expr ?? ""))
            if (!exported.has(m)) missing.push(`${file} "${panel.title}": ${m}`);
        }
    }
    expect(queries).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it("alert only on metrics the composed app exports (or Prometheus' own scrape series)", () => {
    const missing: string[] = [];
    for (const { file, text } of ruleFiles) {
      const { groups } = ruleFile.parse(parseYaml(text));
      for (const rule of groups.flatMap((g) => g.rules))
        for (const m of metricsOf(rule.expr))
          if (!exported.has(m) && !SCRAPE_SERIES.has(m))
            missing.push(`${file} ${rule.alert}: ${m}`);
    }
    expect(missing).toEqual([]);
  });
});
