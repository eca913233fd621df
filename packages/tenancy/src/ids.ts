import { randomBytes } from "node:crypto";

/** `<prefix>_` + creation time (base 36, sortable) + 16 random hex digits. */
export function newId(prefix: "ten" | "key" | "aud" | "usr" | "ses", nowMs: number): string {
  return `${prefix}_${nowMs.toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`;
}
