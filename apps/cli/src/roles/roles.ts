/**
 * What a `kamiyo serve` process does (`--role`, comma-separated; all four by default):
 * - `api`: the HTTP API and the web app;
 * - `ingest`: the sources, publishing observations to NATS JetStream;
 * - `detect`: the detectors (one shard of them), storing findings and routing alerts;
 * - `deliver`: the delivery workers sending the alerts' outbox.
 * `ingest` and `detect` in different processes need NATS_URL; in one process observations go
 * from the sources to the detectors in memory, as they always did.
 */
export const ROLES = ["api", "ingest", "detect", "deliver"] as const;
export type Role = (typeof ROLES)[number];

/** The roles of a process, and which detector shard it runs. */
export interface ProcessRoles {
  roles: ReadonlySet<Role>;
  /** `--shard i/n`: this detect process runs detector shard `i` of `n` (default 0/1). */
  shard: { index: number; of: number };
}

/**
 * `--role api,deliver` as a set of roles.
 * @throws Error naming an unknown or repeated role.
 */
export function parseRoles(text: string): ReadonlySet<Role> {
  const roles = new Set<Role>();
  for (const raw of text.split(",")) {
    const r = raw.trim();
    if (!(ROLES as readonly string[]).includes(r))
      throw new Error(`unknown role "${r}": expected ${ROLES.join(", ")} (comma-separated)`);
    if (roles.has(r as Role)) throw new Error(`role "${r}" given twice`);
    roles.add(r as Role);
  }
  return roles;
}

/**
 * `--shard 1/2` as `{index: 1, of: 2}`.
 * @throws Error unless it is `i/n` with 0 ≤ i < n ≤ 64.
 */
export function parseShard(text: string): { index: number; of: number } {
  const m = /^(\d{1,2})\/(\d{1,2})$/.exec(text.trim());
  const index = Number(m?.[1]);
  const of = Number(m?.[2]);
  if (!m || !(of >= 1 && of <= 64 && index < of))
    throw new Error(`expected a shard as i/n with 0 ≤ i < n ≤ 64, e.g. 0/2, got "${text}"`);
  return { index, of };
}
