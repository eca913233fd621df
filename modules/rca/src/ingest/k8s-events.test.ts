import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeK8sEvent, normalizeK8sEvents } from "./k8s-events.ts";

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/k8s-events/${name}`, import.meta.url), "utf8"),
  ) as unknown;

const watch = fixture("cardinalhq-k8sobjects-watch-events.json") as unknown[];

describe("normalizeK8sEvents on real Events", () => {
  it("reads the EKS watch events: a BackOff warning and a Pulled normal event", () => {
    const out = normalizeK8sEvents(watch);
    expect(out.rejected).toEqual([]);
    expect(out.events).toEqual([
      {
        kind: "k8s_event",
        resource: "pod/chq-demo-apps/memory-hog-77bc84f698-8ddlj",
        occurredAt: Date.parse("2024-11-19T19:28:06Z"),
        firstSeenAt: Date.parse("2024-11-19T19:27:22Z"),
        severity: "warning",
        type: "Warning",
        reason: "BackOff",
        message:
          "Back-off restarting failed container memory-hog in pod memory-hog-77bc84f698-8ddlj_chq-demo-apps(e69d4c5d-3334-454b-8886-f31bc5139dbe)",
        count: 4,
        dedupeKey: "k8s:fcb5016d-ada6-464c-96c7-d143a305b38f:4",
        source: "kubelet",
        host: "ip-10-181-10-113.us-east-2.compute.internal",
        fieldPath: "spec.containers{memory-hog}",
      },
      expect.objectContaining({
        resource: "pod/chq-demo-apps/android-api-699749d6b5-86rcj",
        severity: "info",
        reason: "Pulled",
        count: 1,
        dedupeKey: "k8s:efbc1795-d10b-446e-ad10-0751a6ae49dd:1",
      }),
    ]);
  });

  it("reads a core/v1 Event, a stanza entry and an EnhancedEvent", () => {
    expect(normalizeK8sEvent(fixture("knative-docs-apiserversource-event.json"))).toMatchObject({
      resource: "pod/default/busybox",
      occurredAt: Date.parse("2019-05-10T23:27:06Z"),
      reason: "Started",
      severity: "info",
      source: "kubelet",
      host: "gke-knative-auto-cluster-default-pool-23c23c4f-xdj0",
      dedupeKey: "k8s:2005af47-737b-11e9-a6c5-42010a8a00ed:1",
    });
    expect(normalizeK8sEvent(fixture("otel-stanza-k8s_event_input-output.json"))).toMatchObject({
      resource: "pod/default/stanza-g6rzd",
      reason: "Pulling",
      message: 'Pulling image "observiq/stanza:dev"',
      occurredAt: Date.parse("2020-08-13T16:43:57Z"),
    });
    const enhanced = normalizeK8sEvent(fixture("enhanced-event-derived.json"));
    expect(enhanced).toMatchObject({ cluster: "chq-demo", reason: "BackOff", count: 4 });
    // The same occurrence, whichever wrapper it came in, has the same key.
    expect(enhanced.dedupeKey).toBe(normalizeK8sEvent(watch[0]).dedupeKey);
  });

  it("keeps a re-delivered occurrence once, and a later occurrence as a new event", () => {
    const first = watch[0] as { object: Record<string, unknown> };
    const next = {
      ...first,
      object: { ...first.object, count: 5, lastTimestamp: "2024-11-19T19:29:40Z" },
    };
    const out = normalizeK8sEvents([first, first, next]);
    expect(out.events.map((e) => [e.count, e.dedupeKey, e.occurredAt])).toEqual([
      [4, "k8s:fcb5016d-ada6-464c-96c7-d143a305b38f:4", Date.parse("2024-11-19T19:28:06Z")],
      [5, "k8s:fcb5016d-ada6-464c-96c7-d143a305b38f:5", Date.parse("2024-11-19T19:29:40Z")],
    ]);
  });

  it("reads events.k8s.io/v1 and cluster-scoped objects (a Node)", () => {
    const e = normalizeK8sEvent({
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "n1.17a", uid: "u-1" },
      regarding: { kind: "Node", name: "node-1" },
      reason: "NodeNotReady",
      note: "Node node-1 status is now: NodeNotReady",
      type: "Warning",
      eventTime: "2024-01-02T03:04:05.123456Z",
      series: { count: 3, lastObservedTime: "2024-01-02T03:09:00.000000Z" },
      reportingController: "node-controller",
    });
    expect(e).toMatchObject({
      resource: "node/node-1",
      severity: "warning",
      count: 3,
      occurredAt: Date.parse("2024-01-02T03:09:00Z"),
      firstSeenAt: Date.parse("2024-01-02T03:04:05.123Z"),
      source: "node-controller",
      message: "Node node-1 status is now: NodeNotReady",
      dedupeKey: "k8s:u-1:3",
    });
  });

  it("rejects what is not an Event, saying why, and keeps the rest of the batch", () => {
    const out = normalizeK8sEvents({
      items: [
        watch[1],
        { reason: "x" },
        { involvedObject: { kind: "Pod", name: "p" }, reason: "x" },
        "nonsense",
      ],
    });
    expect(out.events).toHaveLength(1);
    expect(out.rejected).toEqual([
      { index: 1, reason: "not a Kubernetes Event: no involvedObject or regarding" },
      { index: 2, reason: "Event on pod/p has no valid timestamp (lastTimestamp, eventTime, …)" },
      { index: 3, reason: expect.stringMatching(/^not a Kubernetes Event: \(root\)/) },
    ]);
  });
});
