/**
 * Where a machine's CPU went during a run, from Linux's /proc: the whole machine (busy and idle),
 * given processes, and every PostgreSQL server process together. What the API benchmark reports
 * beside each load run, since server, database and load generator share the same cores. On a
 * system without /proc, `cpuSnapshot` returns null and nothing is reported.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSnapshot {
  /** Clock ticks of all cores: all states, and idle (idle + iowait). */
  total: number;
  idle: number;
  /** Clock ticks (user + system) of each named process and of all `postgres` processes. */
  named: Record<string, number>;
  postgres: number;
}

/** Clock ticks (user + system; USER_HZ, 100 a second on Linux) of a process, 0 when unreadable. */
export function processTicks(pid: number | string): number {
  try {
    // Fields after the command name (which may hold spaces): state is the 1st, utime the 12th.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function postgresTicks(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres")
        ticks += processTicks(pid);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot | null {
  let line: number[];
  try {
    line = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
  } catch {
    return null;
  }
  const named: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) named[name] = pid ? processTicks(pid) : 0;
  return {
    total: line.reduce((a, b) => a + b, 0),
    idle: (line[3] ?? 0) + (line[4] ?? 0),
    named,
    postgres: postgresTicks(),
  };
}

/** Clock ticks each named process spent between two snapshots, then all PostgreSQL's. */
function spent(before: CpuSnapshot, after: CpuSnapshot): { name: string; ticks: number }[] {
  return [
    ...Object.keys(after.named).map((name) => ({
      name,
      ticks: (after.named[name] ?? 0) - (before.named[name] ?? 0),
    })),
    { name: "PostgreSQL server", ticks: after.postgres - before.postgres },
  ];
}

/**
 * "API 0.74, PostgreSQL 0.70, load 0.22, idle 0.30 of 2 cores": each share in cores, from two
 * snapshots around a run.
 */
export function cpuSplit(before: CpuSnapshot | null, after: CpuSnapshot | null, cores: number) {
  if (!before || !after) return "";
  const span = after.total - before.total;
  const share = (ticks: number) => ((cores * ticks) / Math.max(1, span)).toFixed(2);
  const parts = spent(before, after)
    // PostgreSQL only where it worked during the run (the database may be elsewhere).
    .filter((p) => p.name !== "PostgreSQL server" || p.ticks > 0)
    .map((p) => `${p.name} ${share(p.ticks)}`);
  parts.push(`idle ${share(after.idle - before.idle)}`);
  return `CPU of the ${cores} cores: ${parts.join(", ")}`;
}

/**
 * The CPU time each process spent a check, µs, from two snapshots around `checks` of them:
 * "CPU a check: API 79 µs, PostgreSQL server 57 µs" (Linux; empty elsewhere).
 */
export function cpuPerCheck(before: CpuSnapshot | null, after: CpuSnapshot | null, checks: number) {
  if (!before || !after) return "";
  const us = (ticks: number) => `${((ticks / 100 / checks) * 1e6).toFixed(0)} µs`;
  return `CPU a check: ${spent(before, after)
    .map((p) => `${p.name} ${us(p.ticks)}`)
    .join(", ")}`;
}
