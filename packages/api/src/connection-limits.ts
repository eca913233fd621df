import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { type Logger, LogThrottle } from "@kamiyo/core";
import type { ApiConfig } from "./config.ts";

/** File descriptors left to the rest of the process (database, files, outgoing calls). */
const FD_RESERVE = 256;

/**
 * How often Node checks requests against `headersTimeout` and `requestTimeout`, ms: its default
 * (30 s) would let a trickled request live up to 30 s past its timeout.
 */
export function checkingIntervalMs(config: ApiConfig): number {
  return Math.max(50, Math.min(1_000, Math.floor(config.headersTimeoutMs / 2)));
}

/**
 * The process's soft limit of open files, from /proc/self/limits (Linux); null where unreadable.
 */
export function openFileLimit(limits = "/proc/self/limits"): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync(limits, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Connections accepted at once: `config.maxConnections`, or (0) the open-file limit less a reserve. */
export function maxConnections(config: ApiConfig, fdLimit = openFileLimit()): number | null {
  if (config.maxConnections > 0) return config.maxConnections;
  return fdLimit === null ? null : Math.max(16, fdLimit - FD_RESERVE);
}

/**
 * Guards the HTTP server's file descriptors: at most `config.maxConnectionsPerIp` connections per
 * client address (more are closed as they arrive), at most {@link maxConnections} in all (Node
 * then closes new ones and emits `drop`), and server errors. Each refusal is logged (at most 5
 * lines a minute per kind, with how many were not logged). Timeouts are set where the server is
 * created (`headersTimeout`, `requestTimeout`).
 */
export function guardConnections(server: Server, config: ApiConfig, log: Logger): void {
  const perIp = new Map<string, number>();
  const ipLog = new LogThrottle(5, 60_000);
  const dropLog = new LogThrottle(5, 60_000);
  const max = maxConnections(config);
  if (max !== null) server.maxConnections = max;

  server.on("connection", (socket) => {
    const ip = socket.remoteAddress ?? "unknown";
    const open = (perIp.get(ip) ?? 0) + 1;
    if (config.maxConnectionsPerIp > 0 && open > config.maxConnectionsPerIp) {
      socket.destroy();
      const { ok, suppressed } = ipLog.allow(performance.now());
      if (ok)
        log.warn(
          { remoteAddress: ip, limit: config.maxConnectionsPerIp, suppressed },
          `connection from ${ip} refused: it already has ${config.maxConnectionsPerIp} open (API_MAX_CONNECTIONS_PER_IP)`,
        );
      return;
    }
    perIp.set(ip, open);
    socket.once("close", () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  });

  server.on("drop", (data) => {
    const { ok, suppressed } = dropLog.allow(performance.now());
    if (ok)
      log.error(
        { remoteAddress: data?.remoteAddress, limit: max, suppressed },
        `connection refused: ${max} connections are open, the most this process takes (API_MAX_CONNECTIONS; its open-file limit is ${openFileLimit() ?? "unknown"})`,
      );
  });

  server.on("error", (err: NodeJS.ErrnoException) => {
    log.error({ err, code: err.code, syscall: err.syscall }, `HTTP server error: ${err.message}`);
  });
}
