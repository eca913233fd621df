import type { Logger } from "@kamiyo/core";
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  KubernetesObjectApi,
  ListWatch,
  Watch,
} from "@kubernetes/client-node";
import { withoutContents } from "../graph/content-digest.ts";
import { pathOf, WATCHED_KINDS, type WatchedKind } from "./watched-kinds.ts";

/** One change the watcher saw: the object as the API server sent it (a Secret without its data). */
export interface StateChange {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  readonly kind: string;
  readonly object: KubernetesObject;
  /** A stable id for de-duplication: uid, resourceVersion and type. */
  readonly id: string;
}

/** How one kind's list-and-watch is doing. */
export interface KindHealth {
  connected: boolean;
  objects: number;
  resourceVersion: string;
  lastError: string | null;
  restarts: number;
}

/**
 * The RCA agent's state watcher: for each watched kind, client-node's `ListWatch` lists, then
 * watches from the list's resourceVersion, resumes from the last one seen when the server closes
 * the watch, and lists again when the server answers 410 Gone (the version is too old). Other
 * failures (the API server unreachable) restart the kind after a backoff. Every change goes to
 * `onChange`.
 */
export class StateWatcher {
  readonly #kc: KubeConfig;
  readonly #api: KubernetesObjectApi;
  readonly #kinds: readonly WatchedKind[];
  readonly #onChange: (c: StateChange) => void;
  readonly #log: Logger;
  readonly #retryMs: number;
  readonly #watches = new Map<string, ListWatch<KubernetesObject>>();
  readonly #health = new Map<string, KindHealth>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(
    kc: KubeConfig,
    opts: {
      onChange: (c: StateChange) => void;
      log: Logger;
      kinds?: readonly WatchedKind[];
      /** First backoff after a failure, doubled up to 30 s (default 1 s). */
      retryMs?: number;
    },
  ) {
    this.#kc = kc;
    this.#api = KubernetesObjectApi.makeApiClient(kc);
    this.#kinds = opts.kinds ?? WATCHED_KINDS;
    this.#onChange = opts.onChange;
    this.#log = opts.log;
    this.#retryMs = opts.retryMs ?? 1_000;
  }

  async start(): Promise<void> {
    await Promise.all(this.#kinds.map((k) => this.#startKind(k)));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    await Promise.all([...this.#watches.values()].map((w) => w.stop()));
  }

  health(): Record<string, KindHealth> {
    return Object.fromEntries(
      [...this.#health].map(([kind, h]) => {
        const w = this.#watches.get(kind);
        return [
          kind,
          {
            ...h,
            objects: w?.list().length ?? 0,
            resourceVersion: w?.latestResourceVersion() ?? "",
          },
        ];
      }),
    );
  }

  async #startKind(k: WatchedKind): Promise<void> {
    const health: KindHealth = {
      connected: false,
      objects: 0,
      resourceVersion: "",
      lastError: null,
      restarts: 0,
    };
    this.#health.set(k.kind, health);
    const path = pathOf(k);
    const list = (): Promise<KubernetesListObject<KubernetesObject>> =>
      this.#api.list(k.apiVersion, k.kind);
    const watch = new ListWatch<KubernetesObject>(path, new Watch(this.#kc), list, false);
    const emit = (type: StateChange["type"]) => (o: KubernetesObject) =>
      this.#onChange({
        type,
        kind: k.kind,
        object: withoutContents({
          ...o,
          kind: o.kind ?? k.kind,
          apiVersion: o.apiVersion ?? k.apiVersion,
        }),
        id: `${o.metadata?.uid ?? o.metadata?.name}:${o.metadata?.resourceVersion ?? ""}:${type}`,
      });
    watch.on("add", emit("ADDED"));
    watch.on("update", emit("MODIFIED"));
    watch.on("delete", emit("DELETED"));
    watch.on("connect", () => {
      health.connected = true;
    });
    let delay = this.#retryMs;
    watch.on("error", (err) => {
      health.connected = false;
      health.lastError = String((err as Error)?.message ?? err);
      if (this.#stopped) return;
      this.#log.warn({ kind: k.kind, error: health.lastError, retryInMs: delay }, "watch failed");
      const t = setTimeout(() => {
        this.#timers.delete(t);
        health.restarts += 1;
        void watch.start().catch(() => {});
      }, delay);
      this.#timers.add(t);
      delay = Math.min(delay * 2, 30_000);
    });
    this.#watches.set(k.kind, watch);
    await watch.start().catch(() => {});
  }
}
