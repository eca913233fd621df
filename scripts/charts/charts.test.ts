import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseRoles } from "../../apps/cli/src/roles/roles.ts";
import { EVENT_KIND, WATCHED_KINDS } from "../../modules/rca/src/agent/watched-kinds.ts";
import {
  SECRET_NAMES,
  writeInstallPackage,
} from "../../modules/rca/src/onboarding/install-package.ts";
import { CHARTS, checkChart, render } from "./lint.ts";
import type { K8sObject } from "./validate.ts";
import { validateObjects } from "./validate.ts";

const tmp = mkdtempSync(join(tmpdir(), "kamiyo-charts-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const chart = (name: string) => join(CHARTS, name);
const one = (objects: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
  expect(found, `${kind} ${name ?? ""}`).toHaveLength(1);
  return found[0] as K8sObject;
};
// biome-ignore lint/suspicious/noExplicitAny: rendered objects are read by path in assertions
type Any = any;

/** The install package `kamiyo rca onboard` writes, rendered by the chart it names. */
function renderOnboarded(dir: string, nats?: { url: string; creds: string }): K8sObject[] {
  writeInstallPackage(join(tmp, dir), {
    name: "Acme",
    tenantId: "ten_acme",
    plan: "rca_basic",
    endpoint: "https://api.kamiyo.example/",
    agentKey: "kmy_live_not-a-real-key",
    ...(nats ? { nats } : {}),
  });
  return render(chart("kamiyo-rca-agent"), [join(tmp, dir, "values.yaml")]);
}

describe("kamiyo-rca-agent with the values kamiyo rca onboard writes", () => {
  it("runs the agent over HTTPS with the key's Secret, and Vector to the logs ingest", async () => {
    const objects = renderOnboarded("http");
    expect(await validateObjects(objects)).toEqual([]);
    const agent = one(objects, "Deployment") as Any;
    const c = agent.spec.template.spec.containers[0];
    expect(c.args).toEqual([
      "rca",
      "agent",
      "--endpoint",
      "https://api.kamiyo.example",
      "--key-file",
      "/var/run/kamiyo/api-key/api-key",
    ]);
    expect(agent.spec.template.spec.volumes[0].secret.secretName).toBe(SECRET_NAMES.apiKey);
    const vector = parse((one(objects, "ConfigMap") as Any).data["vector.yaml"]);
    expect(vector.sinks.kamiyo_rca).toMatchObject({
      type: "http",
      inputs: ["k8s_logs"],
      uri: "https://api.kamiyo.example/rca/ingest/logs",
      encoding: { codec: "json" },
      compression: "gzip",
      auth: { strategy: "bearer", token: "${KAMIYO_RCA_TOKEN}" },
    });
    const ds = one(objects, "DaemonSet") as Any;
    const token = ds.spec.template.spec.containers[0].env.find(
      (e: Any) => e.name === "KAMIYO_RCA_TOKEN",
    );
    expect(token.valueFrom.secretKeyRef).toEqual({ name: SECRET_NAMES.apiKey, key: "api-key" });
    const policy = one(objects, "NetworkPolicy") as Any;
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.spec.egress.at(-1).ports).toEqual([{ port: 443, protocol: "TCP" }]);
  });

  it("gives the state watcher the tenant's NATS credentials when onboarding names NATS", () => {
    const objects = renderOnboarded("nats", {
      url: "nats://ingest.kamiyo.example:4222",
      creds: "not real creds",
    });
    const spec = (one(objects, "Deployment") as Any).spec.template.spec;
    expect(spec.containers[0].args.slice(6)).toEqual([
      "--nats",
      "nats://ingest.kamiyo.example:4222",
      "--tenant",
      "ten_acme",
      "--creds",
      "/var/run/kamiyo/nats/tenant.creds",
    ]);
    expect(spec.volumes[1].secret.secretName).toBe(SECRET_NAMES.nats);
    const egress = (one(objects, "NetworkPolicy") as Any).spec.egress.at(-1);
    expect(egress.ports).toEqual([
      { port: 443, protocol: "TCP" },
      { port: 4222, protocol: "TCP" },
    ]);
  });

  it("lets the agent list and watch exactly the kinds it follows, and nothing else", () => {
    const objects = renderOnboarded("rbac");
    const role = one(objects, "ClusterRole", "release-kamiyo-rca-agent") as Any;
    const granted = role.rules.flatMap((r: Any) => {
      expect(r.verbs).toEqual(["list", "watch"]);
      return r.apiGroups.flatMap((g: string) => r.resources.map((p: string) => `${g}/${p}`));
    });
    const followed = [...WATCHED_KINDS, EVENT_KIND].map(
      (k) => `${k.apiVersion.includes("/") ? k.apiVersion.split("/")[0] : ""}/${k.plural}`,
    );
    expect(granted.sort()).toEqual(followed.sort());
  });

  it("refuses values naming a route the agent does not send to", () => {
    const file = join(tmp, "wrong-route.yaml");
    writeFileSync(file, "endpoint: https://api.kamiyo.example\neventExporter: {path: /events}\n");
    expect(() => render(chart("kamiyo-rca-agent"), [file])).toThrow(/eventExporter/);
  });
});

describe("kamiyo", () => {
  it("runs one all-in-one kamiyo serve by default, and a workload per role when split", () => {
    const all = render(chart("kamiyo"));
    const deployments = all.filter((o) => o.kind === "Deployment") as Any[];
    expect(deployments.map((d) => d.spec.template.spec.containers[0].args)).toEqual([["serve"]]);
    const split = render(chart("kamiyo"), [join(chart("kamiyo"), "ci", "split-values.yaml")]);
    expect(
      split
        .filter((o) => o.kind === "Deployment")
        .map((d: Any) => d.spec.template.spec.containers[0].args),
    ).toEqual(["api", "ingest", "deliver"].map((r) => ["serve", "--role", r]));
    // Detect: a StatefulSet of shards, pod i running shard i (its index from the pod's label).
    const detect = one(split, "StatefulSet") as Any;
    const c = detect.spec.template.spec.containers[0];
    expect(detect.spec.replicas).toBe(2);
    expect(c.args).toEqual(["serve", "--role", "detect", "--shard", "$(POD_INDEX)/2"]);
    expect(c.env.find((e: Any) => e.name === "POD_INDEX").valueFrom.fieldRef.fieldPath).toBe(
      "metadata.labels['apps.kubernetes.io/pod-index']",
    );
    const headless = split.find(
      (o: Any) => o.kind === "Service" && o.metadata.name === detect.spec.serviceName,
    ) as Any;
    expect(headless.spec.clusterIP).toBe("None");
    // Every process of a split install talks to NATS.
    for (const w of split.filter((o) => ["Deployment", "StatefulSet"].includes(o.kind)) as Any[])
      expect(w.spec.template.spec.containers[0].env).toContainEqual({
        name: "NATS_URL",
        value: "nats://nats.nats.svc:4222",
      });
    const noNats = join(tmp, "split-without-nats.yaml");
    writeFileSync(noNats, "roles: {split: true}\n");
    expect(() => render(chart("kamiyo"), [noNats])).toThrow(/nats.url: split roles need NATS/);
  });

  it("migrates in a pre-install and pre-upgrade hook, and probes /ready and /health", () => {
    const objects = render(chart("kamiyo"));
    const job = one(objects, "Job") as Any;
    expect(job.metadata.annotations["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(job.spec.template.spec.containers[0].args).toEqual(["migrate"]);
    const c = (one(objects, "Deployment") as Any).spec.template.spec.containers[0];
    expect(c.readinessProbe.httpGet.path).toBe("/ready");
    expect(c.livenessProbe.httpGet.path).toBe("/health");
  });

  it("takes the database URL from a Secret and holds no secret value", () => {
    const c = (one(render(chart("kamiyo")), "Deployment") as Any).spec.template.spec.containers[0];
    const db = c.env.find((e: Any) => e.name === "DATABASE_URL");
    expect(db).toEqual({
      name: "DATABASE_URL",
      valueFrom: { secretKeyRef: { name: "kamiyo-database", key: "url" } },
    });
    // The key ring, by reference too, when named (the split example names it).
    expect(c.env.find((e: Any) => e.name === "KAMIYO_SECRET_KEYS")).toBeUndefined();
    const split = render(chart("kamiyo"), [join(chart("kamiyo"), "ci", "split-values.yaml")]);
    for (const w of split.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet"))
      expect((w as Any).spec.template.spec.containers[0].env).toContainEqual({
        name: "KAMIYO_SECRET_KEYS",
        valueFrom: { secretKeyRef: { name: "kamiyo-secret-keys", key: "keys" } },
      });
  });

  it("refuses a misspelt value, and a secret written into config", () => {
    const typo = join(tmp, "typo.yaml");
    writeFileSync(typo, "roles:\n  api:\n    replica: 3\n");
    expect(() => render(chart("kamiyo"), [typo])).toThrow(/additional properties 'replica'/);
    const secret = join(tmp, "secret.yaml");
    writeFileSync(secret, "config:\n  DATABASE_URL: postgres://kamiyo:pw@db/kamiyo\n");
    expect(() => render(chart("kamiyo"), [secret])).toThrow(/invalid propertyName 'DATABASE_URL'/);
    writeFileSync(secret, "config:\n  KAMIYO_SECRET_KEYS: k1:AAAA\n");
    expect(() => render(chart("kamiyo"), [secret])).toThrow(/'KAMIYO_SECRET_KEYS'/);
  });
});

describe("kamiyo-shield", () => {
  it("serves HTTP and gRPC from kamiyo serve's API role, with arguments the CLI takes", async () => {
    const objects = render(chart("kamiyo-shield"));
    const c = (one(objects, "Deployment") as Any).spec.template.spec.containers[0];
    expect(c.args).toEqual(["serve", "--role", "api"]);
    // The CLI parses them (an option it did not know would end the container at start).
    expect(parseRoles(c.args[2])).toEqual(new Set(["api"]));
    expect(c.env).toContainEqual({ name: "SHIELD_GRPC_PORT", value: "50051" });
    expect(c.env).toContainEqual({ name: "SHIELD_GRPC_HOST", value: "0.0.0.0" });
    expect((one(objects, "Service") as Any).spec.ports.map((p: Any) => p.name)).toEqual([
      "http",
      "grpc",
    ]);
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "Deployment",
      "HorizontalPodAutoscaler",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "Service",
    ]);
  });
});

describe("charts:lint", () => {
  it("fails a chart whose template renders an invalid object", async () => {
    const broken = join(tmp, "kamiyo");
    cpSync(chart("kamiyo"), broken, { recursive: true });
    const file = join(broken, "templates", "deployment.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replaceAll("replicas: {{ $r.replicas }}", 'replicas: "two"'),
    );
    expect(await checkChart(chart("kamiyo"), null)).toEqual([]);
    expect(await checkChart(broken, null)).toEqual([
      "kamiyo: Deployment/release-kamiyo: data/spec/replicas must be integer",
    ]);
  });

  it("names a kind it has no schema for instead of skipping it", async () => {
    const object = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } };
    expect(await validateObjects([object])).toEqual([
      "Widget/w: no schema for example.com/v1 Widget",
    ]);
  });
});
