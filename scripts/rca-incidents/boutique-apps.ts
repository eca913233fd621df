/**
 * Online Boutique (microservices-demo v0.10.1) as the incidents deploy it: its workloads as in its
 * `kubernetes-manifests/` (images, ports, env, requests and limits), the nodes they run on and the
 * calls between them.
 */
import type { AppSpec } from "./object-types.ts";

export const NS = "boutique";
export const CLUSTER = "boutique-prod";
const REGISTRY = "us-central1-docker.pkg.dev/google-samples/microservices-demo";

export const NODES = {
  a: { name: "ip-10-0-1-23.us-east-2.compute.internal", ip: "10.0.1.23", zone: "us-east-2a" },
  b: { name: "ip-10-0-2-41.us-east-2.compute.internal", ip: "10.0.2.41", zone: "us-east-2b" },
  c: { name: "ip-10-0-3-88.us-east-2.compute.internal", ip: "10.0.3.88", zone: "us-east-2c" },
} as const;
export type NodeKey = keyof typeof NODES;

const grpcApp = (
  name: string,
  port: number,
  clusterIP: string,
  replicas: number,
  env: Record<string, string>,
  more: Partial<AppSpec> = {},
): AppSpec => ({
  name,
  namespace: NS,
  image: `${REGISTRY}/${name}:v0.10.1`,
  port,
  portName: "grpc",
  container: "server",
  replicas,
  clusterIP,
  cpu: ["100m", "200m"],
  memory: ["64Mi", "128Mi"],
  env: Object.entries({ PORT: String(port), ...env }).map(([k, v]) => ({ name: k, value: v })),
  ...more,
});

/** The workloads, their current ReplicaSet's pod-template hash and where their pods run. */
export const APPS: readonly {
  readonly spec: AppSpec;
  readonly hash: string;
  readonly revision: number;
  readonly slice: string;
  readonly pods: readonly { suffix: string; node: NodeKey; ip: string }[];
}[] = [
  {
    spec: {
      ...grpcApp("frontend", 8080, "172.20.41.17", 2, {
        PRODUCT_CATALOG_SERVICE_ADDR: "productcatalogservice:3550",
        CURRENCY_SERVICE_ADDR: "currencyservice:7000",
        CART_SERVICE_ADDR: "cartservice:7070",
        CHECKOUT_SERVICE_ADDR: "checkoutservice:5050",
        ENABLE_PROFILER: "0",
      }),
      portName: "http",
      servicePort: 80,
    },
    hash: "7c9d6f8b54",
    revision: 4,
    slice: "h7x2k",
    pods: [
      { suffix: "4xk2p", node: "a", ip: "10.0.1.142" },
      { suffix: "9tq7m", node: "c", ip: "10.0.3.37" },
    ],
  },
  {
    spec: grpcApp(
      "cartservice",
      7070,
      "172.20.118.203",
      2,
      { REDIS_ADDR: "redis-cart:6379" },
      { cpu: ["200m", "300m"] },
    ),
    hash: "5d8b7c9f6d",
    revision: 3,
    slice: "q2w8n",
    pods: [
      { suffix: "b6w2z", node: "a", ip: "10.0.1.77" },
      { suffix: "kx7qr", node: "b", ip: "10.0.2.57" },
    ],
  },
  {
    spec: grpcApp("productcatalogservice", 3550, "172.20.77.91", 2, { DISABLE_PROFILER: "1" }),
    hash: "6f97c8d5b",
    revision: 2,
    slice: "m5v9t",
    pods: [
      { suffix: "2hq9x", node: "a", ip: "10.0.1.205" },
      { suffix: "p8m4t", node: "b", ip: "10.0.2.118" },
    ],
  },
  {
    spec: grpcApp(
      "currencyservice",
      7000,
      "172.20.9.144",
      2,
      { DISABLE_PROFILER: "1" },
      { configMap: { name: "currency-config", mountPath: "/etc/currency" } },
    ),
    hash: "7b6d9c8f5",
    revision: 5,
    slice: "z4k7d",
    pods: [
      { suffix: "gk4rt", node: "a", ip: "10.0.1.61" },
      { suffix: "wz2n8", node: "c", ip: "10.0.3.150" },
    ],
  },
  {
    spec: grpcApp("checkoutservice", 5050, "172.20.200.12", 1, {
      PRODUCT_CATALOG_SERVICE_ADDR: "productcatalogservice:3550",
      SHIPPING_SERVICE_ADDR: "shippingservice:50051",
      PAYMENT_SERVICE_ADDR: "paymentservice:50051",
      EMAIL_SERVICE_ADDR: "emailservice:5000",
      CURRENCY_SERVICE_ADDR: "currencyservice:7000",
      CART_SERVICE_ADDR: "cartservice:7070",
    }),
    hash: "84c5f7d69b",
    revision: 2,
    slice: "r8p6c",
    pods: [{ suffix: "s7fh2", node: "b", ip: "10.0.2.203" }],
  },
  {
    spec: grpcApp(
      "paymentservice",
      50051,
      "172.20.150.66",
      1,
      { DISABLE_PROFILER: "1" },
      { configMap: { name: "payment-config", mountPath: "/etc/payment" } },
    ),
    hash: "6c8b4d7f95",
    revision: 6,
    slice: "w6n2g",
    pods: [{ suffix: "tq4zd", node: "c", ip: "10.0.3.91" }],
  },
  {
    spec: {
      name: "redis-cart",
      namespace: NS,
      image: "redis:alpine",
      port: 6379,
      portName: "tcp-redis",
      container: "redis",
      replicas: 1,
      clusterIP: "172.20.31.5",
      cpu: ["70m", "125m"],
      memory: ["200Mi", "256Mi"],
      env: [],
    },
    hash: "6b9f8d7c4f",
    revision: 1,
    slice: "k9d4s",
    pods: [{ suffix: "v2c8k", node: "c", ip: "10.0.3.12" }],
  },
];

/** Calls a minute between the services, as the trace feed reports them. */
export const CALLS: readonly [string, string, number][] = [
  ["frontend", "productcatalogservice", 120],
  ["frontend", "currencyservice", 260],
  ["frontend", "cartservice", 80],
  ["frontend", "checkoutservice", 6],
  ["checkoutservice", "productcatalogservice", 12],
  ["checkoutservice", "cartservice", 6],
  ["checkoutservice", "currencyservice", 18],
  ["checkoutservice", "paymentservice", 6],
  ["cartservice", "redis-cart", 160],
];
