/**
 * Holds a data directory's lock in a process of its own until killed: `node hold-data-dir.ts DIR`
 * prints its pid once it holds DIR.
 */
import { DataDirLock } from "../data-dir-lock.ts";

const dir = process.argv[2];
if (!dir) throw new Error("usage: hold-data-dir.ts DIR");
DataDirLock.acquire(dir);
process.stdout.write(`${process.pid}\n`);
setInterval(() => {}, 60_000);
