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

/** The metric names a PromQL expression reads (Grafana's `$variables` left out). */
export function metricsOf(expr: string): string[] {
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

/**
 * The metric names a Grafana query variable reads: `label_values(metric, label)` names one,
 * `query_result(expr)` those of its expression; `label_values(label)` none.
 */
export function metricsOfVariable(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*$/.exec(query);
  if (labelValues) return metricsOf(labelValues[1] as string);
  if (/^\s*label_values\(\s*\w+\s*\)\s*$/.test(query)) return [];
  const result = /^\s*query_result\((.*)\)\s*$/.exec(query);
  return metricsOf(result ? (result[1] as string) : query);
}

/**
 * The metric names a `/metrics` text exposes: each `# TYPE` line's name, and for a histogram or
 * summary the series `_bucket`, `_sum` and `_count` too.
 */
export function exposedMetrics(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
      type === "histogram" || type === "summary"
        ? [`${name}_bucket`, `${name}_sum`, `${name}_count`, name as string]
        : [name as string],
    ),
  );
}

/** Series Prometheus makes itself for every scrape target (rules may read them). */
export const SCRAPE_SERIES: ReadonlySet<string> = new Set([
  "up",
  "scrape_duration_seconds",
  "scrape_samples_scraped",
]);
