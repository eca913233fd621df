import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorLevelOf } from "./log-level.ts";
import { LogBurstAggregator, logErrorBursts, parseVectorLogs } from "./vector-logs.ts";

const T = Date.UTC(2024, 5, 1, 12, 0, 0);

/** A Vector kubernetes_logs event (constructed, in the shape of the docs' sample output). */
function line(pod: string, at: number, message: string, container = "server") {
  return {
    file: `/var/log/pods/shop_${pod}_uid/${container}/0.log`,
    kubernetes: {
      container_name: container,
      pod_labels: { app: pod.split("-")[0] ?? pod },
      pod_name: pod,
      pod_namespace: "shop",
      pod_node_name: "node-1",
    },
    message,
    source_type: "kubernetes_logs",
    stream: "stdout",
    timestamp: new Date(at).toISOString(),
  };
}

describe("errorLevelOf", () => {
  it.each([
    ['{"level":"error","msg":"db down"}', "error"],
    ['{"level":"info","msg":"0 errors, ERROR count reset"}', undefined],
    ['{"level":50,"msg":"pino error"}', "error"],
    ['{"level":60,"msg":"pino fatal"}', "fatal"],
    ['{"level":30,"msg":"pino info"}', undefined],
    ['{"log":{"level":"ERROR"},"message":"ecs"}', "error"],
    ['{"severity":"CRITICAL","message":"x"}', "fatal"],
    ['ts=2024-06-01T12:00:00Z level=error msg="dial failed"', "error"],
    ['ts=2024-06-01T12:00:00Z level=info msg="ERROR in payload"', undefined],
    ["E0601 12:00:00.123456       1 reflector.go:138] failed to watch", "error"],
    ["F1015 11:01:46.499073       1 main.go:39] error getting server version", "fatal"],
    ["I0601 12:00:00.123456       1 main.go:10] started", undefined],
    ["panic: runtime error: invalid memory address or nil pointer dereference", "panic"],
    ["Traceback (most recent call last):", "exception"],
    ['Exception in thread "main" java.lang.NullPointerException', "exception"],
    ["java.lang.IllegalStateException: pool exhausted", "exception"],
    ["2024-06-01 12:00:00.000 ERROR 1 --- [main] o.s.b.SpringApplication : failed", "error"],
    ["2024/06/01 12:00:00 [error] 7#7: *1 connect() failed (111: Connection refused)", "error"],
    ["\tat com.shop.Cart.add(Cart.java:42)", undefined],
    ["retrying after error in 5s", undefined],
    ['GET /cart 200 "error_count=0"', undefined],
  ])("%s → %s", (text, level) => expect(errorLevelOf(text)).toBe(level));
});

describe("parseVectorLogs", () => {
  it("reads the Vector docs' kubernetes_logs sample as its http sink sends it", () => {
    const body = readFileSync(
      new URL("../../fixtures/vector-logs/kubernetes-logs-sample.json", import.meta.url),
      "utf8",
    );
    const out = parseVectorLogs(body);
    expect(out.rejected).toEqual([]);
    expect(out.records).toEqual([
      expect.objectContaining({
        at: Date.parse("2020-10-15T11:01:46.499Z"),
        namespace: "kube-system",
        pod: "storage-provisioner",
        container: "storage-provisioner",
        stream: "stderr",
        node: "minikube",
      }),
    ]);
    expect(logErrorBursts(out.records)).toEqual([
      expect.objectContaining({
        resource: "pod/kube-system/storage-provisioner",
        count: 1,
        byLevel: { fatal: 1 },
        severity: "critical",
      }),
    ]);
  });

  it("reads NDJSON and rejects broken items by line, keeping the rest", () => {
    const body = [
      JSON.stringify(line("cart-1", T, "ok")),
      "{not json",
      JSON.stringify({ message: "no pod", timestamp: new Date(T).toISOString() }),
      JSON.stringify({ ...line("cart-1", T, "x"), timestamp: "yesterday" }),
      JSON.stringify({ ...line("cart-1", T, ""), message: { level: "error", msg: "parsed" } }),
    ].join("\n");
    const out = parseVectorLogs(`${body}\n`);
    expect(out.records.map((r) => r.message)).toEqual(["ok", '{"level":"error","msg":"parsed"}']);
    expect(out.rejected.map((r) => r.index)).toEqual([1, 2, 3]);
    expect(out.rejected[0]?.reason).toMatch(/^not JSON/);
    expect(out.rejected[1]?.reason).toMatch(/^kubernetes/);
    expect(out.rejected[2]?.reason).toBe('timestamp "yesterday" is not a time');
    expect(() => parseVectorLogs("[{")).toThrow(/not a JSON array/);
  });
});

describe("error bursts", () => {
  const body = JSON.stringify([
    line("cart-1", T + 1_000, '{"level":"error","msg":"redis timeout"}'),
    line("cart-1", T + 5_000, "INFO served /cart"),
    line("cart-1", T + 59_999, "panic: nil map", "sidecar"),
    line("cart-1", T + 3_000, '{"level":"error","msg":"first, sent late"}'),
    line("cart-1", T + 60_000, "ERROR next minute"),
    line("front-1", T + 2_000, "java.io.IOException: reset"),
    line("front-1", T + 4_000, "GET / 200"),
  ]);

  it("counts error lines per pod per minute, with levels, containers and the first line", () => {
    const bursts = logErrorBursts(parseVectorLogs(body).records);
    expect(bursts).toEqual([
      {
        kind: "log_error_burst",
        resource: "pod/shop/cart-1",
        occurredAt: T + 59_999,
        severity: "critical",
        dedupeKey: `log:pod/shop/cart-1:${T}`,
        windowStart: T,
        windowEnd: T + 60_000,
        count: 3,
        byLevel: { error: 2, panic: 1 },
        containers: ["server", "sidecar"],
        sample: '{"level":"error","msg":"redis timeout"}',
      },
      expect.objectContaining({ resource: "pod/shop/front-1", count: 1, severity: "warning" }),
      expect.objectContaining({
        resource: "pod/shop/cart-1",
        windowStart: T + 60_000,
        count: 1,
        sample: "ERROR next minute",
      }),
    ]);
  });

  it("flushes only closed minutes, counts late lines and refuses past its bucket bound", () => {
    const agg = new LogBurstAggregator({ maxOpenBuckets: 2 });
    const records = parseVectorLogs(body).records;
    agg.add(records);
    expect(agg.stats).toMatchObject({ lines: 7, errors: 5, overflow: 1 });
    const first = agg.flush(T + 60_000);
    expect(first.map((b) => [b.resource, b.count])).toEqual([["pod/shop/cart-1", 3]]);
    agg.add([records[0] as (typeof records)[number]]);
    expect(agg.stats.late).toBe(1);
    expect(agg.flush(T + 120_000).map((b) => b.windowStart)).toEqual([T + 60_000]);
  });
});
