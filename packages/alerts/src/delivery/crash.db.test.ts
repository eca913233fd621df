import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Db, migrate, PgliteDb, PostgresDb } from "@kamiyo/db";
import { testDbKind } from "@kamiyo/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../ids.ts";
import { newChannel, saveChannel } from "../store/channels.ts";
import { insertAlert } from "../store/outbox.ts";
import { Receiver, until } from "../testing/receiver.ts";
import type { Alert } from "../types.ts";
import { generateSecret } from "./signing.ts";

const WORKER = new URL("../testing/worker-process.ts", import.meta.url).pathname;
const TOTAL = 300;
const url = process.env.TEST_DATABASE_URL;
let receiver: Receiver;
let args: string[];
let cleanup: () => Promise<void>;

/** The shared database: a data directory (one process at a time) or a fresh PostgreSQL schema. */
async function open(): Promise<Db> {
  return url
    ? PostgresDb.open({ url, schema: args[2], poolSize: 2 })
    : PgliteDb.open(args[1] as string);
}

beforeAll(async () => {
  receiver = await Receiver.start();
  if (url) {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = await PostgresDb.open({ url, poolSize: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    args = ["postgres", url, schema];
    cleanup = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    };
  } else {
    const dir = mkdtempSync(join(tmpdir(), "kamiyo-crash-"));
    args = ["pglite", dir];
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const db = await open();
  await migrate(db);
  const now = Date.now();
  await saveChannel(
    db,
    newChannel({
      tenantId: "ten_default",
      id: "chn_crash",
      kind: "webhook",
      name: "crash receiver",
      origin: "config",
      config: { url: `${receiver.url}/hook` },
      filter: {},
      secret: generateSecret(),
      nowMs: now,
    }),
    null,
  );
  await db.transaction(async (tx) => {
    for (let i = 0; i < TOTAL; i++) {
      const alert: Alert = {
        id: newId("alr", now),
        tenantId: "ten_default",
        type: "webhook.test",
        severity: "info",
        title: `burst ${i}`,
        createdAt: now,
        findings: [],
      };
      await insertAlert(tx, alert, null, ["chn_crash"], now);
    }
  });
  await db.close();
}, 60_000);

afterAll(async () => {
  await receiver.close();
  await cleanup();
});

function startWorker(): Promise<ChildProcess> {
  const child = fork(WORKER, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`worker exited with ${code} before starting`)));
  });
}

describe(`a worker killed mid-burst on ${testDbKind}`, () => {
  it("loses nothing: after a restart every delivery arrives, at least once, with its webhook-id", async () => {
    // Each answer takes 5 ms, so the burst is still running when the worker is killed.
    receiver.respond = () => ({ status: 200, delayMs: 5 });
    const first = await startWorker();
    await until(() => receiver.received.length >= 60, 30_000);
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    const beforeRestart = new Set(receiver.received.map((r) => r.headers["webhook-id"])).size;
    expect(beforeRestart).toBeLessThan(TOTAL);

    const second = await startWorker();
    // Done when the outbox says so: what the killed worker had in flight may have reached the
    // receiver without being recorded, and is sent again once its lease runs out.
    await until(async () => {
      second.send({ cmd: "pending" });
      const reply = await new Promise<{ n: number }>((r) => second.once("message", r));
      return reply.n === 0;
    }, 60_000);
    second.send({ cmd: "exit" });
    await new Promise((r) => second.once("exit", r));

    const db = await open();
    try {
      const rows = await db.query<{ id: string; status: string }>(
        "SELECT id, status FROM deliveries ORDER BY id",
      );
      expect(rows.length).toBe(TOTAL);
      expect(rows.every((r) => r.status === "delivered")).toBe(true);
      const received = new Set(receiver.received.map((r) => String(r.headers["webhook-id"])));
      expect([...received].sort()).toEqual(rows.map((r) => r.id));
      // At least once: what was in flight at the kill may arrive twice, with the same id.
      expect(receiver.received.length).toBeGreaterThanOrEqual(TOTAL);
    } finally {
      await db.close();
    }
  }, 120_000);
});
