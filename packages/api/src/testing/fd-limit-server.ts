/**
 * The API in a process of its own, for tests about the process's file descriptors: run it under
 * `prlimit --nofile=N:N`. Logs JSON lines on stderr (the app's logger) and prints its port on
 * stdout once it listens; stops on SIGTERM.
 */
import type { AddressInfo } from "node:net";
import { createLogger } from "@kamiyo/core";
import { apiHarness } from "./api-harness.ts";

const h = await apiHarness({ seeded: false, log: createLogger("info", { app: "kamiyo" }) });
await h.app.listen({ port: 0, host: "127.0.0.1" });
process.stdout.write(`${(h.app.server.address() as AddressInfo).port}\n`);
process.once("SIGTERM", () => {
  void h.close().then(() => process.exit(0));
});
