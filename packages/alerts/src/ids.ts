import { randomBytes } from "node:crypto";

/** `<prefix>_` + creation time (base 36, sortable) + 16 random hex digits: `msg_0m85n41y8a1b2c3d4e5f60718`. */
export function newId(prefix: "alr" | "msg" | "chn" | "sil", nowMs: number): string {
  return `${prefix}_${nowMs.toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
}
