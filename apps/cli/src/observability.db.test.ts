import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { apiHarness, type Harness } from "@kamiyo/api/testing";
import { monitorConfig } from "@kamiyo/hyperliquid";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODULES, PLUGINS } from "./modules.ts";

/** The Grafana dashboards shipped in the repo. */
const DASHBOARDS = fileURLToPath(new URL("../../../grafana/dashboards/", import.meta.url));

/** PromQL's functions, aggregations and keywords: every other name in a query is a metric. */
const PROMQL_WORDS = new Set(
  (
    "sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on " +
    "ignoring group_left group_right bool and or unless offset rate irate increase delta idelta " +
    "deriv predict_linear histogram_quantile clamp clamp_min clamp_max abs ceil floor round exp " +
    "ln log2 log10 sqrt label_replace label_join vector scalar time timestamp absent " +
    "absent_over_time changes resets sort sort_desc avg_over_time min_over_time max_over_time " +
    "sum_over_time count_over_time last_over_time quantile_over_time stddev_over_time"
  ).split(" "),
);

/** The metric names a PromQL expression reads. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "") // strings (label values, regexes)
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
    .replace(/\$\w+/g, ""); // Grafana variables
  const names = bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? [];
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n)))].filter(
    // Exponents of number literals (1e6) leave an `e6`.
    (n) => !/^e\d+$/.test(n),
  );
}

interface Panel {
  title: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

// What `/metrics` names does not depend on the database engine: run on the embedded one only.
describe.skipIf(testDbKind === "postgres")("the Grafana dashboards", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await apiHarness({
      seeded: false,
      modules: MODULES.api,
      migrations: MODULES.migrations,
      plugins: PLUGINS,
      monitorConfig: monitorConfig.parse({}),
    });
  });
  afterAll(async () => h?.close());

  it("reads metric names out of PromQL", () => {
    expect(
      metricsOf(
        'sum by (platform, state) (rate(syncflow_spend_total{tenant=~"$tenant"}[5m])) / 1e6 / max(a_b)',
      ),
    ).toEqual(["syncflow_spend_total", "a_b"]);
  });

  it("query only metrics the composed app exports", async () => {
    const text = (await h.app.inject({ method: "GET", url: "/metrics" })).body;
    // A histogram's or summary's series are its name with _bucket, _sum and _count.
    const exported = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
        type === "histogram" || type === "summary"
          ? [`${name}_bucket`, `${name}_sum`, `${name}_count`, name as string]
          : [name as string],
      ),
    );
    const files = readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json"));
    expect(files.length).toBeGreaterThan(0);
    const missing: string[] = [];
    let queries = 0;
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(join(DASHBOARDS, file), "utf8")) as {
        panels: Panel[];
      };
      const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
      for (const panel of panels)
        for (const t of panel.targets ?? []) {
          if (!t.expr) continue;
          queries++;
          for (const m of metricsOf(t.expr))
            if (!exported.has(m)) missing.push(`${file} "${panel.title}": ${m}`);
        }
    }
    expect(queries).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
