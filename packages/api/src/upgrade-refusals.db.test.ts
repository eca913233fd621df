import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { hashApiKey, newApiKey } from "./api-keys.ts";
import { apiHarness, type Harness } from "./testing/api-harness.ts";
import { connectionsDrain, rawExchange, upgradeRequest } from "./testing/raw-socket.ts";

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

async function listening(config: Parameters<typeof apiHarness>[0]): Promise<number> {
  h = await apiHarness(config);
  await h.app.listen({ port: 0, host: "127.0.0.1" });
  return (h.app.server.address() as AddressInfo).port;
}

describe("refused WebSocket upgrades", () => {
  it("closes the socket of every upgrade answered 401 (wrong key or none), on any route", async () => {
    const port = await listening({
      config: { keyHashes: [hashApiKey(newApiKey())] },
      seeded: false,
    });
    const requests = [
      ...Array.from({ length: 10 }, () => upgradeRequest("/stream/ws", { "X-API-Key": "wrong" })),
      ...Array.from({ length: 10 }, () => upgradeRequest("/security/events")),
    ];
    const seen = await Promise.all(requests.map((r) => rawExchange(port, r, 1_000)));
    expect(seen.map((s) => s.status)).toEqual(Array(20).fill(401));
    expect(seen.filter((s) => !s.closedByServer)).toEqual([]);
    await connectionsDrain(h?.app.server as never, 1_000);
  });

  it("closes the sockets of upgrades answered 400, 404 and 429 too", async () => {
    const port = await listening({ config: { rateLimitPerIp: 1 }, seeded: false });
    // The minute's budget of 127.0.0.1 is spent, so the next upgrade is refused with 429.
    expect((await h?.app.inject({ method: "GET", url: "/meta" }))?.statusCode).toBe(200);
    const seen = [
      await rawExchange(port, upgradeRequest("/stream/ws?severity=nope"), 1_000),
      await rawExchange(port, upgradeRequest("/nowhere"), 1_000),
      await rawExchange(port, upgradeRequest("/stream/ws"), 1_000),
    ];
    expect(seen.map((s) => s.status)).toEqual([400, 404, 429]);
    expect(seen.filter((s) => !s.closedByServer)).toEqual([]);
    await connectionsDrain(h?.app.server as never, 1_000);
  });
});
