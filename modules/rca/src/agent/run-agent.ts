import type { Logger } from "@kamiyo/core";
import type { KubeConfig } from "@kubernetes/client-node";
import { AgentPublisher, type PublisherHealth } from "./agent-publisher.ts";
import { type KindHealth, StateWatcher } from "./state-watcher.ts";

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
  health(): { watcher: Record<string, KindHealth>; publisher: PublisherHealth };
  stop(): Promise<void>;
}

/**
 * The RCA agent in a cluster: the state watcher's changes, batched every `flushMs`, go to the
 * tenant's `state.k8s.resource` stream through the publisher, each with its change id (uid,
 * resourceVersion, type), so a relist after a restart stores nothing twice.
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
  const flush = () => {
    if (pending.length === 0) return;
    publisher.enqueue("state.k8s.resource", pending);
    pending = [];
  };
  const timer = setInterval(flush, opts.flushMs ?? 1_000);
  await watcher.start();
  return {
    health: () => ({ watcher: watcher.health(), publisher: publisher.health() }),
    stop: async () => {
      clearInterval(timer);
      await watcher.stop();
      flush();
      await publisher.stop();
    },
  };
}
