import type { Logger } from "@kamiyo/core";
import type { KubeConfig } from "@kubernetes/client-node";
import { normalizeK8sEvent } from "../ingest/k8s-events.ts";
import { AgentPublisher, type PublisherHealth } from "./agent-publisher.ts";
import type { HttpTransport } from "./http-transport.ts";
import { type KindHealth, StateWatcher } from "./state-watcher.ts";
import type { AgentTransport } from "./transport.ts";
import { EVENT_KIND } from "./watched-kinds.ts";

export interface AgentOptions {
  kubeConfig: KubeConfig;
  /** Where state and events go: the tenant's NATS streams, or the HTTP ingest. */
  transport: AgentTransport;
  log: Logger;
  /** How often changes collected are handed to the publisher (default 1 s). */
  flushMs?: number;
  /** How long stopping keeps trying to send what is held (default 5 s). */
  stopWithinMs?: number;
  /**
   * Reports the agent's health to the platform (`POST /rca/ingest/agent-health`) every `everyMs`
   * (default 60 s) and when it stops: `agent` names this agent, `cluster` its cluster.
   */
  report?: {
    http: HttpTransport;
    agent: string;
    cluster?: string;
    version: string;
    everyMs?: number;
  };
}

/** What the platform keeps of an agent's health report (`GET /rca/agents`). */
export interface AgentReport {
  agent: string;
  cluster?: string;
  version: string;
  startedAt: string;
  stopping?: boolean;
  health: ReturnType<RunningAgent["health"]>;
}

/** A running agent: its health, and how to stop it (what is buffered is sent first). */
export interface RunningAgent {
  health(): {
    watcher: Record<string, KindHealth>;
    events: Partial<KindHealth> & { rejected: number };
    publisher: PublisherHealth;
  };
  stop(): Promise<void>;
}

/**
 * The RCA agent in a cluster: the state watcher's changes, batched every `flushMs`, go to the
 * tenant's `state.k8s.resource` stream through the publisher, each with its change id (uid,
 * resourceVersion, type), so a relist after a restart stores nothing twice; the event exporter's
 * Events, normalized, go to `events.normalized` keyed by occurrence (uid and count).
 */
export async function runAgent(opts: AgentOptions): Promise<RunningAgent> {
  const startedAt = new Date().toISOString();
  const publisher = new AgentPublisher({ transport: opts.transport, log: opts.log });
  let pending: { id: string; body: unknown }[] = [];
  const watcher = new StateWatcher(opts.kubeConfig, {
    log: opts.log,
    onChange: (c) => pending.push({ id: c.id, body: { type: c.type, object: c.object } }),
  });
  // The event exporter: core/v1 Events as they are recorded, normalized, to events.normalized.
  let pendingEvents: { id: string; body: unknown }[] = [];
  let pendingRaw: unknown[] = [];
  let rejectedEvents = 0;
  const exporter = new StateWatcher(opts.kubeConfig, {
    log: opts.log,
    kinds: [EVENT_KIND],
    onChange: (c) => {
      if (c.type === "DELETED") return; // an Event expiring is not news
      try {
        const event = normalizeK8sEvent(c.object);
        pendingEvents.push({ id: event.dedupeKey, body: event });
        pendingRaw.push(c.object);
      } catch {
        rejectedEvents += 1;
      }
    },
  });
  const flush = () => {
    if (pending.length > 0) publisher.enqueue("state.k8s.resource", pending);
    if (pendingEvents.length > 0) publisher.enqueue("events.normalized", pendingEvents, pendingRaw);
    pending = [];
    pendingEvents = [];
    pendingRaw = [];
  };
  const timer = setInterval(flush, opts.flushMs ?? 1_000);
  await Promise.all([watcher.start(), exporter.start()]);
  const health = () => ({
    watcher: watcher.health(),
    events: { ...exporter.health().Event, rejected: rejectedEvents },
    publisher: publisher.health(),
  });
  const report = async (stopping: boolean) => {
    const r = opts.report;
    if (!r) return;
    const body: AgentReport = {
      agent: r.agent,
      ...(r.cluster ? { cluster: r.cluster } : {}),
      version: r.version,
      startedAt,
      ...(stopping ? { stopping } : {}),
      health: health(),
    };
    try {
      const res = await r.http.post("/rca/ingest/agent-health", body, false);
      if (!res.ok)
        opts.log.warn(
          { status: res.status, body: (await res.text()).slice(0, 300) },
          "health report refused",
        );
      else await res.body?.cancel();
    } catch (err) {
      opts.log.warn({ error: (err as Error).message }, "health report not delivered");
    }
  };
  const reporting = opts.report
    ? setInterval(() => void report(false), opts.report.everyMs ?? 60_000)
    : null;
  void report(false);
  return {
    health,
    stop: async () => {
      clearInterval(timer);
      if (reporting) clearInterval(reporting);
      await Promise.all([watcher.stop(), exporter.stop()]);
      flush();
      await publisher.stop(opts.stopWithinMs ?? 5_000);
      await report(true);
    },
  };
}
