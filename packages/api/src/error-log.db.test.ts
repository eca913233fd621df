import { Writable } from "node:stream";
import { createLogger } from "@kamiyo/core";
import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey, newApiKey } from "./api-keys.ts";
import { apiHarness, type Harness } from "./testing/api-harness.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close().catch(() => {});
  h = null;
});

/** The app's pino logger, writing its JSON lines into `lines`. */
function capturedLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString("utf8").split("\n"))
        if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger("info", { app: "kamiyo" }, sink);
}

describe("error log", () => {
  it("logs a 5xx with its request id, method, route, status and error, never the key; 4xx not at all", async () => {
    const lines: Record<string, unknown>[] = [];
    const key = newApiKey();
    h = await apiHarness({
      seeded: false,
      log: capturedLogger(lines),
      config: { keyHashes: [hashApiKey(key)] },
    });
    const auth = { "x-api-key": key };
    const refused = [
      await h.app.inject({ method: "GET", url: "/security/events?limit=0", headers: auth }),
      await h.app.inject({ method: "GET", url: "/nowhere", headers: auth }),
      await h.app.inject({ method: "GET", url: "/security/events" }),
    ];
    expect(refused.map((r) => r.statusCode)).toEqual([400, 404, 401]);
    expect(lines).toEqual([]);
    // The database goes away under the API.
    await h.db.close();
    const res = await h.app.inject({
      method: "GET",
      url: "/security/events?severity=high",
      headers: auth,
    });
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toMatchObject({ code: "internal", message: "internal error" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      app: "kamiyo",
      requestId: res.headers["x-request-id"],
      method: "GET",
      route: "/security/events",
      status: 500,
      msg: "request failed",
    });
    const err = lines[0]?.err as { message: string; stack: string };
    expect(err.message.length).toBeGreaterThan(0);
    expect(err.stack).toContain("Error");
    expect(JSON.stringify(lines)).not.toContain(key);
  });
});
