import type { ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, get, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSecret, verify } from "@kamiyo/alerts";
import { createMigratedDataDir, DEFAULT_TENANT_ID, PgliteDb, upsertFindings } from "@kamiyo/db";
import { type LiveUpstream, startLiveUpstream } from "@kamiyo/hyperliquid/testing";
import { type ServeProcess, startServeProcess, testCacheDir } from "@kamiyo/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

let upstream: LiveUpstream;
let dir: string;
/** The operator's webhook receiver: what `kamiyo serve` delivers alerts to. */
let hooks: Server;
const hooked: { headers: Record<string, string>; body: string }[] = [];
const hookSecret = generateSecret();
/** Every process started, killed after each test so that a failed assertion leaves none running. */
const started: ChildProcess[] = [];

/** Starts `kamiyo serve`, remembered so that it is killed after the test. */
async function serve(args: string[], env: Record<string, string>): Promise<ServeProcess> {
  const running = await startServeProcess(args, env);
  started.push(running.child);
  return running;
}

async function json(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  return {
    status: res.status,
    body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text(),
  };
}

beforeAll(async () => {
  hooks = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      hooked.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  dir = mkdtempSync(join(tmpdir(), "kamiyo-serve-"));
  upstream = await startLiveUpstream();
});

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

afterAll(async () => {
  hooks.closeAllConnections();
  await new Promise((r) => hooks.close(r));
  await upstream.close();
});

describe("kamiyo serve", () => {
  it("serves the API with the monitor: a finding reaches the live stream, the events route and the metrics; SIGTERM drains and exits", async () => {
    // The data directory cloned from the run's migrated template (initialising one takes seconds).
    const data = join(dir, "data");
    await createMigratedDataDir(testCacheDir(), data);
    const env = {
      KAMIYO_DATA_DIR: data,
      ...upstream.env,
      // Long enough that only the store's commit notice can refresh the cached list below.
      API_RESPONSE_CACHE_MS: "60000",
      ALERTS_WEBHOOK_URL: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook`,
      ALERTS_WEBHOOK_SECRET: hookSecret,
      ALERTS_MIN_SEVERITY: "critical",
    };
    const { child, base, exited } = await serve([], env);
    const eventsUrl = `${base}/security/events?detector=liquidations&severity=critical`;
    expect((await json(eventsUrl)).body).toEqual({ data: [], nextCursor: null });
    const sse: string[] = [];
    let sseEnded = false;
    const stream = get(`${base}/stream?severity=critical`, (res) => {
      res.setEncoding("utf8");
      res.on("data", (d: string) => sse.push(d));
      res.on("end", () => {
        sseEnded = true;
      });
    });
    stream.on("error", () => {});
    await upstream.connected();
    upstream.pushBackstop();
    for (let i = 0; i < 100 && !sse.join("").includes('"kind":"backstop"'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(sse.join("")).toContain('"change":"opened"');
    expect(sse.join("")).toContain('"kind":"backstop"');

    // The stream can be ahead of the database by one write of the monitor's store.
    let kinds: string[] = [];
    for (let i = 0; i < 50 && !kinds.includes("backstop"); i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 100));
      const events = await json(eventsUrl);
      expect(events.status).toBe(200);
      kinds = (events.body as { data: { kind: string }[] }).data.map((f) => f.kind);
    }
    expect(kinds).toContain("backstop");

    // The critical finding was routed in its own transaction and delivered, signed, to the webhook.
    const backstop = (h: { body: string }) => JSON.parse(h.body).data?.kind === "backstop";
    for (let i = 0; i < 100 && !hooked.some(backstop); i++)
      await new Promise((r) => setTimeout(r, 100));
    const hook = hooked.find(backstop);
    expect(JSON.parse(hook?.body ?? "{}")).toMatchObject({
      type: "finding.opened",
      data: { detector: "liquidations", kind: "backstop", severity: "critical" },
    });
    expect(
      verify(
        hookSecret,
        {
          id: hook?.headers["webhook-id"] ?? "",
          timestamp: hook?.headers["webhook-timestamp"] ?? "",
          signature: hook?.headers["webhook-signature"] ?? "",
        },
        hook?.body ?? "",
        Math.floor(Date.now() / 1000),
      ),
    ).toBe(true);
    const ready = await json(`${base}/ready`);
    expect(ready.body).toMatchObject({ ready: true, monitorInProcess: true });
    const metrics = (await json(`${base}/metrics`)).body as string;
    expect(metrics).toMatch(
      /kamiyo_findings_total\{detector="liquidations",kind="[a-z-]+",severity="critical",change="opened"\} [1-9]/,
    );
    expect(metrics).toMatch(/kamiyo_pipeline_observations_total\{type="fills"\} [1-9]/);
    expect(metrics).toContain('kamiyo_source_up{source="hyperliquid"}');
    expect(metrics).toMatch(/kamiyo_stream_clients 1/);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(sseEnded).toBe(true);
  }, 120_000);

  it("serves the stored findings without a monitor (--role api,deliver)", async () => {
    // What a monitor process stored: a backstop finding in the shared data directory.
    const data = join(dir, "stored");
    await createMigratedDataDir(testCacheDir(), data);
    const db = await PgliteDb.open(data);
    const at = Date.now();
    await upsertFindings(db, [
      {
        id: "fnd_storedbackstop000001",
        tenantId: DEFAULT_TENANT_ID,
        detector: "liquidations",
        kind: "backstop",
        subject: { type: "asset", id: "ETH" },
        key: "",
        severity: "critical",
        status: "open",
        title: "HLP liquidator absorbed $306.8M of ETH long positions",
        evidence: { notionalUsd: 306_848_110 },
        firstDataAt: at,
        dataAt: at,
        detectedAt: at,
        updatedAt: at,
        resolvedAt: null,
        occurrences: 1,
      },
    ]);
    await db.close();
    const { child, base, exited } = await serve(["--role", "api,deliver"], {
      KAMIYO_DATA_DIR: data,
    });
    const ready = await json(`${base}/ready`);
    expect(ready.body).toMatchObject({ ready: true, monitorInProcess: false, sources: null });
    const events = await json(`${base}/security/events?detector=liquidations`);
    expect((events.body as { data: { kind: string }[] }).data.map((f) => f.kind)).toContain(
      "backstop",
    );
    const stats = await json(`${base}/stats`);
    expect(stats.body).toMatchObject({ pipeline: null });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
