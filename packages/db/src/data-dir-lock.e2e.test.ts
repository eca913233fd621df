import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLock } from "./data-dir-lock.ts";

let dir: string;
let child: ChildProcess | null = null;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kamiyo-lock-"));
});
afterEach(() => {
  child?.kill("SIGKILL");
  child = null;
  rmSync(dir, { recursive: true, force: true });
});

const script = new URL("./testing/hold-data-dir.ts", import.meta.url).pathname;

/**
 * Another process holding `dir`, started through a shell that then becomes `sleep` and never
 * reaps it: killed, the holder stays a zombie with its pid, as under a supervisor or a container's
 * PID 1 that has not reaped it yet. Resolves with the holder's pid once it holds `dir`.
 */
async function holder(): Promise<number> {
  const p = spawn("sh", ["-c", `"$0" "$1" "$2" & exec sleep 30`, process.execPath, script, dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child = p;
  let stderr = "";
  p.stderr?.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise<number>((resolve, reject) => {
    p.stdout?.once("data", (c: Buffer) => resolve(Number(c.toString().trim())));
    p.once("exit", (code) => reject(new Error(`holder exited ${code}: ${stderr}`)));
  });
}

/** The state letter of /proc/<pid>/stat (R, S, Z…), or null once the process is gone. */
function state(pid: number): string | null {
  try {
    return /\) (\w) /.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

describe("DataDirLock", () => {
  it("refuses a second process while the holder lives, and is free as soon as the holder is SIGKILLed", async () => {
    const pid = await holder();
    expect(() => DataDirLock.acquire(dir)).toThrow(
      `the data directory ${dir} is in use by process ${pid}: stop it first`,
    );
    process.kill(pid, "SIGKILL");
    // The kernel releases the lock once the killed process's threads are torn down (a few ms);
    // it is never reaped, so its pid stays taken (kill(pid, 0) still answers) all along.
    const killed = Date.now();
    let lock: DataDirLock | null = null;
    while (!lock && Date.now() - killed < 2_000) {
      try {
        lock = DataDirLock.acquire(dir);
      } catch {
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    expect(lock).not.toBeNull();
    expect(state(pid)).toBe("Z");
    lock?.release();
  });

  it("refuses a second holder in the same process, naming it, and is free after release", () => {
    const lock = DataDirLock.acquire(dir);
    expect(() => DataDirLock.acquire(dir)).toThrow(`in use by process ${process.pid} (this one)`);
    lock.release();
    DataDirLock.acquire(dir).release();
  });

  it("is not blocked by a lock file naming this process's pid that nobody holds (PID 1 in a container)", () => {
    // As a holder that died with this process's pid leaves it.
    const db = new DatabaseSync(join(dir, "kamiyo.lock"));
    db.exec("CREATE TABLE holder (pid INTEGER NOT NULL, since TEXT NOT NULL)");
    db.prepare("INSERT INTO holder VALUES (?, ?)").run(process.pid, "2025-01-01T00:00:00Z");
    db.close();
    DataDirLock.acquire(dir).release();
    // The text lock of earlier versions, with this pid or a dead one.
    for (const pid of [process.pid, 4_194_305]) {
      writeFileSync(join(dir, "kamiyo.lock"), String(pid));
      DataDirLock.acquire(dir).release();
    }
  });

  it("refuses an earlier version's text lock naming another live process", () => {
    const p = spawn(process.execPath, ["-e", "setInterval(() => {}, 60000)"]);
    child = p;
    writeFileSync(join(dir, "kamiyo.lock"), String(p.pid));
    expect(() => DataDirLock.acquire(dir)).toThrow(
      `may be in use by process ${p.pid} (an older Kamiyo's lock file)`,
    );
  });
});
