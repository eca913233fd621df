import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { EVENT_KIND, pathOf, WATCHED_KINDS, type WatchedKind } from "../agent/watched-kinds.ts";

/** What the server serves: the watched kinds and Events. */
const KINDS: readonly WatchedKind[] = [...WATCHED_KINDS, EVENT_KIND];

interface Change {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: KubernetesObject;
}

/**
 * A local server speaking the Kubernetes API's list and watch protocol for the watched kinds (no
 * cluster runs here): discovery (`/api/v1`, `/apis/<group>/<version>`), lists with the collection's
 * resourceVersion (items without kind and apiVersion, as the API server sends them), and watches
 * streaming `{"type","object"}` lines from a resourceVersion, answering a version older than the
 * compacted history with a 410 Expired Status event, as etcd compaction makes a real server do.
 */
export class KubeApiServer {
  readonly #server: Server;
  readonly #objects = new Map<string, Map<string, KubernetesObject>>();
  readonly #history: Change[] = [];
  readonly #watchers = new Set<{ kind: string; res: ServerResponse }>();
  #rv = 100;
  #compactedTo = 0;
  /** Requests received, `GET <path>?<query>`, for tests. */
  readonly requests: string[] = [];

  private constructor() {
    this.#server = createServer((req, res) => this.#handle(req, res));
  }

  static async start(): Promise<KubeApiServer> {
    const s = new KubeApiServer();
    await new Promise<void>((r) => s.#server.listen(0, "127.0.0.1", r));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig for this server, with a bearer token. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "local", server: this.url, skipTLSVerify: true }],
      users: [{ name: "agent", token: "agent-token" }],
      contexts: [{ name: "local", cluster: "local", user: "agent" }],
      currentContext: "local",
    });
    return kc;
  }

  /** Creates or updates an object (a new resourceVersion), telling the open watches. */
  apply(object: KubernetesObject): KubernetesObject {
    const kind = object.kind as string;
    const byKey = this.#objects.get(kind) ?? new Map<string, KubernetesObject>();
    this.#objects.set(kind, byKey);
    const key = `${object.metadata?.namespace ?? ""}/${object.metadata?.name}`;
    const type = byKey.has(key) ? "MODIFIED" : "ADDED";
    this.#rv += 1;
    const stored = {
      ...object,
      metadata: {
        uid: `uid-${kind}-${key}`,
        ...object.metadata,
        resourceVersion: String(this.#rv),
      },
    };
    byKey.set(key, stored);
    this.#emit({ rv: this.#rv, type, object: stored });
    return stored;
  }

  /** Deletes an object, telling the open watches. */
  remove(kind: string, namespace: string | undefined, name: string): void {
    const key = `${namespace ?? ""}/${name}`;
    const gone = this.#objects.get(kind)?.get(key);
    if (!gone) return;
    this.#objects.get(kind)?.delete(key);
    this.#rv += 1;
    this.#emit({
      rv: this.#rv,
      type: "DELETED",
      object: { ...gone, metadata: { ...gone.metadata, resourceVersion: String(this.#rv) } },
    });
  }

  /** Forgets the history before now: a watch from an older version gets 410 Gone. */
  compact(): void {
    this.#compactedTo = this.#rv;
    this.#history.length = 0;
  }

  /** Ends every open watch, as an API server does at its timeout or a restart. */
  closeWatches(): void {
    for (const w of this.#watchers) w.res.end();
    this.#watchers.clear();
  }

  async close(): Promise<void> {
    this.closeWatches();
    await new Promise((r) => this.#server.close(r));
  }

  #emit(change: Change): void {
    this.#history.push(change);
    for (const w of this.#watchers)
      if (w.kind === change.object.kind) w.res.write(`${JSON.stringify(change)}\n`);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://kube.invalid");
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const k = KINDS.find((w) => pathOf(w) === url.pathname);
    const watch = url.searchParams.get("watch");
    const discovery = discoveryOf(url.pathname);
    if (req.headers.authorization !== "Bearer agent-token")
      json(res, 401, status(401, "Unauthorized"));
    else if (discovery) json(res, 200, discovery);
    else if (!k) json(res, 404, status(404, "NotFound"));
    else if (watch !== "true" && watch !== "1") json(res, 200, this.#list(k));
    else this.#watch(k, url, res);
  }

  /** Streams a kind's changes after `resourceVersion`, or 410 when that is compacted away. */
  #watch(k: WatchedKind, url: URL, res: ServerResponse): void {
    const from = Number(url.searchParams.get("resourceVersion") ?? "0");
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    if (from < this.#compactedTo) {
      const gone = {
        ...status(410, "Expired"),
        message: `too old resource version: ${from} (${this.#compactedTo})`,
      };
      res.end(`${JSON.stringify({ type: "ERROR", object: gone })}\n`);
      return;
    }
    for (const c of this.#history)
      if (c.rv > from && c.object.kind === k.kind) res.write(`${JSON.stringify(c)}\n`);
    const w = { kind: k.kind, res };
    this.#watchers.add(w);
    res.on("close", () => this.#watchers.delete(w));
  }

  #list(k: WatchedKind): unknown {
    const items = [...(this.#objects.get(k.kind)?.values() ?? [])].map(
      ({ kind: _k, apiVersion: _a, ...rest }) => rest,
    );
    return {
      kind: `${k.kind}List`,
      apiVersion: k.apiVersion,
      metadata: { resourceVersion: String(this.#rv) },
      items,
    };
  }
}

function status(code: number, reason: string) {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason, code };
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** `/api/v1` or `/apis/<group>/<version>`: the APIResourceList of the watched kinds there. */
function discoveryOf(path: string): unknown {
  const groupVersion = path === "/api/v1" ? "v1" : path.replace(/^\/apis\//, "");
  if (path !== "/api/v1" && !path.startsWith("/apis/")) return null;
  const kinds = KINDS.filter((k) => k.apiVersion === groupVersion);
  if (kinds.length === 0 || groupVersion.split("/").length > 2) return null;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion,
    resources: kinds.map((k) => ({
      name: k.plural,
      singularName: k.kind.toLowerCase(),
      namespaced: k.kind !== "Node",
      kind: k.kind,
      verbs: ["get", "list", "watch"],
    })),
  };
}
