import { isSealedSecret, type SecretBox } from "@kamiyo/core";
import { channelPlugins } from "../channels/registry.ts";
import type { ChannelKind } from "../types.ts";

/**
 * What seals a channel's secrets at rest and opens them again: the install's key ring
 * (`KAMIYO_SECRET_KEYS`, or the embedded data directory's key file), or null where there is none
 * (PostgreSQL without the setting), and then they are stored as given.
 */
export type ChannelSecretBox = SecretBox | null;

/** A channel's secrets as stored or as used: its settings and its webhook signing secrets. */
export interface ChannelSecretFields {
  config: Record<string, unknown>;
  secret: string | null;
  previousSecret: string | null;
}

/** Each secret is bound to its tenant, channel and field: copied to another row, it does not open. */
const context = (tenantId: string, id: string, field: string) =>
  `alert_channels/${tenantId}/${id}/${field}`;

/** The channel's secret values by field name (`secret`, `previous_secret`, `config.<setting>`). */
function secretsOf(kind: ChannelKind, f: ChannelSecretFields): Map<string, string> {
  const out = new Map<string, string>();
  if (f.secret !== null) out.set("secret", f.secret);
  if (f.previousSecret !== null) out.set("previous_secret", f.previousSecret);
  for (const key of channelPlugins[kind].secretSettings) {
    const v = f.config[key];
    if (typeof v === "string") out.set(`config.${key}`, v);
  }
  return out;
}

function withValues(f: ChannelSecretFields, values: Map<string, string>): ChannelSecretFields {
  const config = { ...f.config };
  for (const [field, v] of values)
    if (field.startsWith("config.")) config[field.slice("config.".length)] = v;
  return {
    config,
    secret: f.secret === null ? null : (values.get("secret") ?? f.secret),
    previousSecret:
      f.previousSecret === null ? null : (values.get("previous_secret") ?? f.previousSecret),
  };
}

/** The channel's secrets sealed for storing (as given without a key ring). */
export function sealChannelSecrets(
  box: ChannelSecretBox,
  c: { tenantId: string; id: string; kind: ChannelKind } & ChannelSecretFields,
): ChannelSecretFields {
  if (!box) return c;
  const sealed = new Map<string, string>();
  for (const [field, v] of secretsOf(c.kind, c))
    sealed.set(field, isSealedSecret(v) ? v : box.seal(v, context(c.tenantId, c.id, field)));
  return withValues(c, sealed);
}

/**
 * The channel's secrets opened for use; values stored before sealing (or without a key ring)
 * are read as they are.
 * @throws Error naming the channel when a value is sealed and there is no key ring, or it does not
 *   open (SecretBoxError: a key no longer in the ring, or a value moved from another row).
 */
export function openChannelSecrets(
  box: ChannelSecretBox,
  c: { tenantId: string; id: string; kind: ChannelKind } & ChannelSecretFields,
): ChannelSecretFields {
  const opened = new Map<string, string>();
  for (const [field, v] of secretsOf(c.kind, c)) {
    if (!isSealedSecret(v)) continue;
    if (!box)
      throw new Error(
        `alert channel ${c.id}: its ${field} is sealed and this process has no key ring (set KAMIYO_SECRET_KEYS as the other processes have it)`,
      );
    try {
      opened.set(field, box.open(v, context(c.tenantId, c.id, field)));
    } catch (err) {
      throw new Error(`alert channel ${c.id}: its ${field}: ${(err as Error).message}`);
    }
  }
  return opened.size === 0 ? c : withValues(c, opened);
}

/**
 * Whether a stored channel's secrets need sealing (again) with `box`: one stored as given, or
 * sealed under a key that is no longer the ring's first.
 */
export function needsSealing(
  box: SecretBox,
  c: { kind: ChannelKind } & ChannelSecretFields,
): boolean {
  for (const v of secretsOf(c.kind, c).values())
    if (!isSealedSecret(v) || box.isStale(v)) return true;
  return false;
}
