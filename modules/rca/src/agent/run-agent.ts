import type { Logger } from "@kamiyo/core";
import type { KubeConfig } from "@kubernetes/client-node";
import { normalizeK8sEvent } from "../ingest/k8s-events.ts";
import { AgentPublisher, type PublisherHealth } from "./agent-publisher.ts";
import { type KindHealth, StateWatcher } from "./state-watcher.ts";
import { EVENT_KIND } from "./watched-kinds.ts";

export interface AgentOptions {
  kubeConfig: KubeConfig;
  /** The platform's NATS server(s). */
  servers: string | string[];
  tenantId: string;
  /** The tenant's `.creds` file text. */
  creds: string;
  log: Logger;
  /** How often changes collected are handed to the publisher (default 1 s). */
  flushMs?: number;
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
  const publisher = new AgentPublisher({
    servers: opts.servers,
    tenantId: opts.tenantId,
    creds: opts.creds,
    log: opts.log,
  });
  let pending: { id: string; body: unknown }[] = [];
  const watcher = new StateWatcher(opts.kubeConfig, {
    log: opts.log,
    onChange: (c) => pending.push({ id: c.id, body: { type: c.type, object: c.object } }),
  });
  // The event exporter: core/v1 Events as they are recorded, normalized, to events.normalized.
  let pendingEvents: { id: string; body: unknown }[] = [];
  let rejectedEvents = 0;
  const exporter = new StateWatcher(opts.kubeConfig, {
    log: opts.log,
    kinds: [EVENT_KIND],
    onChange: (c) => {
      if (c.type === "DELETED") return; // an Event expiring is not news
      try {
        const event = normalizeK8sEvent(c.object);
        pendingEvents.push({ id: event.dedupeKey, body: event });
      } catch {
        rejectedEvents += 1;
      }
    },
  });
  const flush = () => {
    if (pending.length > 0) publisher.enqueue("state.k8s.resource", pending);
    if (pendingEvents.length > 0) publisher.enqueue("events.normalized", pendingEvents);
    pending = [];
    pendingEvents = [];
  };
  const timer = setInterval(flush, opts.flushMs ?? 1_000);
  await Promise.all([watcher.start(), exporter.start()]);
  return {
    health: () => ({
      watcher: watcher.health(),
      events: { ...exporter.health().Event, rejected: rejectedEvents },
      publisher: publisher.health(),
    }),
    stop: async () => {
      clearInterval(timer);
      await Promise.all([watcher.stop(), exporter.stop()]);
      flush();
      await publisher.stop();
    },
  };
}
