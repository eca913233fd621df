import { describe, expect, it } from "vitest";
import { clusterWatch, objectNamed, type WatchEventJson } from "../testing/k8s-fixtures.ts";
import { withoutContents } from "./content-digest.ts";
import { describe as describeObject } from "./describe.ts";
import type { KubeKind } from "./kinds.ts";
import { stateEvents } from "./state-events.ts";

const AT = "2024-11-19T19:10:00.000Z";
const described = (kind: KubeKind, name: string, edit?: (o: WatchEventJson["object"]) => void) => {
  const { object } = objectNamed(clusterWatch(), kind, name);
  edit?.(object);
  return describeObject(kind, object).resource;
};

/** The fixture's Deployment `cart` at a revision, with an image and a replica count. */
const cart = (revision: string, image = "ghcr.io/example/cart:1.4.2", replicas = 2) =>
  described("Deployment", "cart", (o) => {
    const d = o as unknown as {
      metadata: { annotations?: Record<string, string>; resourceVersion: string };
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    };
    d.metadata.annotations = { "deployment.kubernetes.io/revision": revision };
    d.metadata.resourceVersion = `${1000 + Number(revision) + replicas}`;
    d.spec.replicas = replicas;
    for (const c of d.spec.template.spec.containers) c.image = image;
  });

describe("stateEvents: changes", () => {
  it("records a Deployment rolling out a new revision with its images, not a scale or a status update", () => {
    const before = cart("3");
    expect(before.status).toMatchObject({ revision: "3", images: ["ghcr.io/example/cart:1.4.2"] });
    const rolled = cart("4", "ghcr.io/example/cart:1.5.0");
    const [event, ...rest] = stateEvents(before.status, rolled, AT);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      resourceId: "deployment/shop/cart",
      kind: "state_change",
      reason: "RolloutStarted",
      severity: "info",
      occurredAt: AT,
      data: {
        revision: "4",
        previousRevision: "3",
        images: ["ghcr.io/example/cart:1.5.0"],
        previousImages: ["ghcr.io/example/cart:1.4.2"],
      },
    });
    // Scaling changes the generation but not the revision; first sight is no change either.
    const scaled = cart("3", undefined, 5);
    expect(stateEvents(before.status, scaled, AT)).toEqual([]);
    expect(stateEvents(undefined, rolled, AT)).toEqual([]);
  });

  it("records a ConfigMap or Secret modified (never its data), keyed by its resourceVersion", () => {
    const first = described("ConfigMap", "cart-config");
    expect(stateEvents(undefined, first, AT)).toEqual([]);
    const edited = described("ConfigMap", "cart-config", (o) => {
      o.metadata.resourceVersion = "1234";
      o.data = { "cart.yaml": "cacheSize: -1" };
    });
    const [event] = stateEvents(first.status, edited, AT);
    expect(event).toMatchObject({
      resourceId: "configmap/shop/cart-config",
      reason: "ConfigUpdated",
      data: { resourceVersion: "1234" },
    });
    expect(event?.dedupKey).toMatch(/\|Updated\|1234$/);
    expect(JSON.stringify(event)).not.toContain("cacheSize");
    const secret = described("Secret", "cart-db", (o) => {
      o.metadata.resourceVersion = "1300";
    });
    expect(stateEvents({}, secret, AT).map((e) => e.reason)).toEqual(["ConfigUpdated"]);
  });

  it("tells a ConfigMap's edit from metadata churn by the digest its sender left in place of the data", () => {
    // What the agent and the ingest route send: the contents removed, their digest kept.
    const sent = (data: Record<string, string>, rv: string, lease?: string) =>
      described("ConfigMap", "cart-config", (o) => {
        const stripped = withoutContents({
          ...o,
          data,
          metadata: {
            ...o.metadata,
            resourceVersion: rv,
            annotations: lease ? { "control-plane.alpha.kubernetes.io/leader": lease } : {},
          },
        });
        Object.assign(o, stripped);
        delete (o as { data?: unknown }).data;
      });
    const v1 = sent({ "cart.yaml": "cacheSize: 64" }, "2000", "holder-a");
    expect(v1.status.contentDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(v1)).not.toContain("cacheSize");
    // A lease renewed in an annotation: a new version, the same contents, no change recorded.
    const renewed = sent({ "cart.yaml": "cacheSize: 64" }, "2001", "holder-b");
    expect(renewed.status.contentDigest).toBe(v1.status.contentDigest);
    expect(stateEvents(v1.status, renewed, AT)).toEqual([]);
    // The contents edited (keys in another order change nothing; a value does).
    const edited = sent({ "cart.yaml": "cacheSize: -1" }, "2002", "holder-b");
    expect(stateEvents(renewed.status, edited, AT).map((e) => e.reason)).toEqual(["ConfigUpdated"]);
  });
});
