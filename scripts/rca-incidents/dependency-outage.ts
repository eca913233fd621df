/**
 * (e) A dependency outage seen as errors upstream: both productcatalogservice pods panic (a nil
 * pointer dereference) and crash-loop; its Service has no ready endpoint. Its callers, frontend
 * and checkoutservice, log errors, and the frontend's error ratio and latency climb: the callers'
 * metrics move the most, the callee is the cause.
 */
import type { IncidentHeader } from "../../modules/rca/src/incidents/format.ts";
import { Boutique, NS } from "./boutique.ts";
import { backOff, replicas, started } from "./controllers.ts";
import { noisy, writeSamples } from "./metrics.ts";
import { podStatusOf } from "./object-types.ts";
import { plus, Timeline } from "./timeline.ts";

const ms = Date.parse;
const PANIC = [
  "panic: runtime error: invalid memory address or nil pointer dereference",
  "[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9a3f12]",
  "",
  "goroutine 87 [running]:",
  "main.(*productCatalog).ListProducts(0xc0001a2d80, {0xb8c2a0, 0xc000425e90}, 0xc00042a0c0)",
  "\t/src/product_catalog.go:64 +0x32",
];

export function buildDependencyOutage(dir: string) {
  const tl = new Timeline(5905, 57_630_254);
  const c = new Boutique(tl);
  c.list("2024-11-19T18:30:00Z", {
    "currency-config": {
      app: "currencyservice",
      data: { "currency.json": '{"EUR":1.0,"USD":1.1305}' },
    },
    "payment-config": { app: "paymentservice", data: { "payment.yaml": "provider: mock\n" } },
  });
  const outage = [ms("2024-11-19T19:14:30Z"), ms("2024-11-19T19:31:00Z")] as const;
  const during = (t: number) => t >= outage[0] && t < outage[1];
  const frontends = ["4xk2p", "9tq7m"].map((s) => c.pod(`frontend-7c9d6f8b54-${s}`));
  const checkout = c.pod("checkoutservice-84c5f7d69b-s7fh2");
  writeSamples(tl, "2024-11-19T18:15:00Z", "2024-11-19T19:35:00Z", [
    ...frontends.flatMap((p) => [
      {
        metric: "http_server_request_latency_p90_seconds",
        pod: p.metadata.name,
        container: "server",
        value: (t: number) => noisy(tl, 0.04)(during(t) ? 0.58 : 0.12),
      },
      {
        metric: "http_server_error_ratio",
        pod: p.metadata.name,
        container: "server",
        value: (t: number) => noisy(tl, 0.3)(during(t) ? 0.62 : 0.002),
      },
    ]),
    {
      metric: "grpc_server_error_ratio",
      pod: checkout.metadata.name,
      container: "server",
      value: (t: number) => noisy(tl, 0.3)(during(t) ? 0.9 : 0.001),
    },
  ]);

  const catalog = ["2hq9x", "p8m4t"].map((s) => c.pod(`productcatalogservice-6f97c8d5b-${s}`));
  const dep = c.deployments.get("productcatalogservice");
  const rs = c.replicaSets.get("productcatalogservice-6f97c8d5b");
  if (!dep || !rs) throw new Error("no productcatalogservice workload");
  // Each pod panics on its first request, is restarted after a growing back-off, panics again.
  const deaths = [0, 11, 32, 73, 154, 315, 616].map((s) => s * 1000);
  const times = catalog
    .flatMap((pod, p) => deaths.map((d, i) => ({ pod, i, died: outage[0] + d + p * 4000 })))
    .filter((x) => x.died < ms("2024-11-19T19:30:00Z"))
    .sort((a, b) => a.died - b.died);
  // The writes of both pods' crash loops, in time order.
  const actions: { at: number; run: () => void }[] = [];
  const at = (t: number, run: () => void) => actions.push({ at: t, run });
  let down = 0;
  for (const { pod, i, died } of times) {
    const diedAt = new Date(died).toISOString().replace(".000Z", "Z");
    at(died, () => {
      const startedAt =
        podStatusOf(pod).containerStatuses[0]?.state.running?.startedAt ?? "2024-11-12T14:02:20Z";
      c.logs(
        pod,
        PANIC.map((message) => ({ at: diedAt, message })),
      );
      c.crashed(plus(diedAt, 1), pod, {
        exitCode: 2,
        reason: "Error",
        startedAt,
        finishedAt: diedAt,
      });
      c.endpoints(plus(diedAt, 1), "productcatalogservice", { [pod.metadata.name]: false });
      if (i > 0) backOff(c, plus(diedAt, 2), pod);
      if (i === 0) {
        down += 1;
        replicas(c, plus(diedAt, 2), rs, catalog.length - down);
        replicas(c, plus(diedAt, 2), dep, catalog.length - down);
      }
    });
    const next = deaths[i + 1];
    if (next === undefined) continue;
    const restart = died + next - (deaths[i] ?? 0) - 1000;
    if (restart >= ms("2024-11-19T19:30:00Z")) continue;
    const restartAt = new Date(restart).toISOString().replace(".000Z", "Z");
    at(restart, () => {
      started(c, restartAt, pod);
      c.restarted(restartAt, pod, restartAt);
    });
  }
  for (const a of actions.sort((x, y) => x.at - y.at)) a.run();

  // The callers' requests fail while no catalog endpoint is ready.
  const logLine = (at: string, error: string, path: string) => ({
    at,
    message: JSON.stringify({
      error,
      "http.req.id": tl.uid(),
      "http.req.method": "GET",
      "http.req.path": path,
      message: "request error",
      session: tl.uid(),
      severity: "error",
      timestamp: at,
    }),
  });
  const refused = `could not retrieve products: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 172.20.77.91:3550: connect: connection refused"`;
  for (let m = 0; m < 15; m++) {
    const minute = plus("2024-11-19T19:14:35Z", 60 * m);
    for (const [k, p] of frontends.entries())
      c.logs(
        p,
        Array.from({ length: 5 }, (_, j) =>
          logLine(plus(minute, 9 * j + 4 * k), refused, j % 2 ? "/product/OLJCESPC7Z" : "/"),
        ),
      );
    c.logs(checkout, [
      {
        at: plus(minute, 17),
        message: JSON.stringify({
          message: `failed to prepare order: failed to get product #"OLJCESPC7Z": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial tcp 172.20.77.91:3550: connect: connection refused"`,
          severity: "error",
          timestamp: plus(minute, 17),
        }),
      },
    ]);
  }

  const header: IncidentHeader = {
    kind: "incident",
    version: 1,
    id: "dependency-outage",
    title: "productcatalogservice down, seen as errors in its callers",
    summary:
      "From 19:14:30 both productcatalogservice pods panic (nil pointer dereference, exit code 2) on their first request and crash-loop, so its Service has no ready endpoint. The frontend and checkoutservice log connection-refused errors every few seconds; the frontend's error ratio goes from 0.2 % to 62 % and its p90 latency from 120 to 580 ms, checkoutservice's error ratio to 90 %: the callers' metrics move the most.",
    constructed: true,
    symptom: {
      from: "2024-11-19T19:15:00Z",
      to: "2024-11-19T19:30:00Z",
      service: "frontend",
      alert: "FrontendErrorRateHigh",
    },
    expected: {
      service: "productcatalogservice",
      resource: `deployment/${NS}/productcatalogservice`,
      faultType: "crash",
      causalPath: [
        `deployment/${NS}/productcatalogservice`,
        `replicaset/${NS}/productcatalogservice-6f97c8d5b`,
        `pod/${NS}/productcatalogservice-6f97c8d5b-2hq9x`,
        `service/${NS}/productcatalogservice`,
        `service/${NS}/frontend`,
      ],
    },
  };
  return tl.write(dir, header);
}
