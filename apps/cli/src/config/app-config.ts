import { type AlertsConfig, alertsConfig } from "@kamiyo/alerts";
import { type ApiConfig, apiConfig } from "@kamiyo/api";
import { EDITION_IDS, type EditionId, planById } from "@kamiyo/billing";
import { type StripeConfig, stripeConfig } from "@kamiyo/billing/stripe";
import { type LogLevel, parseSecretKeys, SecretBox, type SecretKey } from "@kamiyo/core";
import {
  type CorrelatorConfig,
  correlatorConfig,
  type MlConfig,
  mlConfig,
} from "@kamiyo/hyperliquid/ml";
import { monitorConfigFor } from "@kamiyo/monitor";
import { screamingSnake } from "@kamiyo/platform";
import { z } from "zod";
import { MODULES } from "../modules.ts";
import { coerce, type FieldInfo, fieldsOf } from "./schema-fields.ts";

/** Process-level settings, read by name. */
export const processConfig = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional()
    .describe("PostgreSQL connection string. Unset: the embedded database (PGlite) is used"),
  DATABASE_APP_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional()
    .describe(
      "With DATABASE_URL: the connection API requests use, logged in as a role that is a member of kamiyo_app and nothing more (docs/tenancy.md). Unset: requests use DATABASE_URL and switch to kamiyo_app per transaction",
    ),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional()
    .describe(
      "Redis for rate-limit and quota counters shared by every API replica. Unset: each process counts in memory. If Redis goes away, limits count per process and /ready says so",
    ),
  NATS_URL: z
    .string()
    .regex(
      /^(nats|tls):\/\/[^,\s]+(,\s*(nats|tls):\/\/[^,\s]+)*$/,
      "must be nats:// or tls:// URLs, comma-separated",
    )
    .optional()
    .describe(
      "NATS with JetStream, for processes that split the pipeline (`kamiyo serve --role ingest` and `--role detect` in different processes): the observations travel between them on its stream NATS_STREAM. Unset: ingest and detect run in one process",
    ),
  NATS_CREDS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("A `.creds` file for NATS_URL, where the server requires one"),
  NATS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -")
    .default("KAMIYO_OBSERVATIONS")
    .describe(
      "The JetStream stream of the observations (subjects `<stream>.<type>`): one per install sharing a NATS",
    ),
  KAMIYO_DATA_DIR: z
    .string()
    .min(1)
    .default(".kamiyo/data")
    .describe("Embedded database directory (when DATABASE_URL is unset)"),
  KAMIYO_CACHE_DIR: z
    .string()
    .min(1)
    .default(".kamiyo/cache")
    .describe(
      "Files Kamiyo can rebuild: the migrated template that in-memory databases (replays) are cloned from",
    ),
  KAMIYO_SECRET_KEYS: z
    .string()
    .min(1)
    // Read into keys once, and refused here (naming the entry) when they are not a ring.
    .transform((text, ctx): SecretKey[] => {
      try {
        const keys = parseSecretKeys(text);
        new SecretBox(keys);
        return keys;
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    })
    .optional()
    .describe(
      "The key ring secrets stored for tenants are sealed with (their ad-platform credentials and alert channels' secrets; AES-256-GCM): `id:base64` keys of 32 bytes, comma-separated, the first sealing new values and the others still opening older ones (`kamiyo secrets new-key` makes one). Unset: KAMIYO_SECRET_KEYS_FILE; else, on the embedded database, a key file made in KAMIYO_DATA_DIR; with DATABASE_URL, no ad-platform credential can be stored and channels' secrets are stored unsealed",
    ),
  KAMIYO_SECRET_KEYS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe(
      "A file holding KAMIYO_SECRET_KEYS' keys, one per line (a mounted Kubernetes Secret); read at start",
    ),
  DEPLOYMENT_MODE: z
    .enum(EDITION_IDS as [EditionId, ...EditionId[]])
    .default("open_source")
    .describe(
      "Edition of this install, a platform plan of the catalog: open_source, cloud_basic, cloud_pro or cloud_enterprise. It sets the history kept (90, 30, 180, 365 days) and the alerts a day (1,000, 100, 500, 10,000); the ML ensemble and the cross-protocol correlator need cloud_pro or cloud_enterprise",
    ),
  LOG_LEVEL: z
    .enum(["debug", "info", "warn", "error", "silent"])
    .default("info")
    .describe("Log level (JSON logs on stderr)"),
});

/** Every composed plug-in's settings slot and environment prefix (`ProductModule.pluginPrefixes`). */
export const SLOTS = MODULES.pluginSlots;

/** The composed pipeline's settings: a slot per plug-in, each with its own schema, and the pipeline's. */
export const monitorConfig = monitorConfigFor(MODULES.pipeline);

/** The composed pipeline's parsed settings, typed by every module's plug-ins. */
export type MonitorConfig = z.output<typeof monitorConfig>;

/** Monitor-wide settings (queue, tick, sampling, retention) under KAMIYO_. */
const MONITOR_PREFIX = "KAMIYO";

export interface AppConfig {
  databaseUrl: string | null;
  /** DATABASE_APP_URL: the API's request connection, as a member of kamiyo_app. */
  databaseAppUrl: string | null;
  /** REDIS_URL: where the API's limit counters live (null: in memory). */
  redisUrl: string | null;
  /** NATS_URL and NATS_CREDS_FILE: the observations between ingest and detect processes. */
  nats: { url: string; credsFile: string | null; stream: string } | null;
  dataDir: string;
  /** KAMIYO_SECRET_KEYS (parsed) and KAMIYO_SECRET_KEYS_FILE: see `secretBoxFor`. */
  secretKeys: { keys: SecretKey[] | null; file: string | null };
  /** KAMIYO_CACHE_DIR. */
  cacheDir: string;
  logLevel: LogLevel;
  plan: EditionId;
  monitor: MonitorConfig;
  api: ApiConfig;
  alerts: AlertsConfig;
  /** Each composed module's settings, by module id (parsed with the module's own schema). */
  modules: Readonly<Record<string, unknown>>;
  ml: MlConfig;
  correlator: CorrelatorConfig;
  stripe: StripeConfig;
}

/** A section of settings outside the monitor: its environment prefix and schema. */
interface Section {
  prefix: string;
  /** The platform's section, or a module's id (`module: true`). */
  key: string;
  schema: z.ZodType;
  module?: true;
}

/** The platform's API_, ALERTS_, ML_ and CORRELATOR_ settings. Adding a section adds a line here. */
const PLATFORM_SECTIONS: readonly Section[] = [
  { prefix: "API", key: "api", schema: apiConfig },
  { prefix: "ALERTS", key: "alerts", schema: alertsConfig },
  { prefix: "ML", key: "ml", schema: mlConfig },
  { prefix: "CORRELATOR", key: "correlator", schema: correlatorConfig },
  { prefix: "STRIPE", key: "stripe", schema: stripeConfig },
];

/** The platform's sections, then each composed module's (e.g. INTEL_); every prefix once. */
const SECTIONS: readonly Section[] = uniquePrefixes([
  ...PLATFORM_SECTIONS,
  ...MODULES.settings.map((m) => ({
    prefix: m.prefix,
    key: m.module,
    schema: m.schema,
    module: true as const,
  })),
]);

function uniquePrefixes(sections: Section[]): Section[] {
  const taken = new Set([MONITOR_PREFIX, ...SLOTS.map((s) => s.prefix)]);
  for (const s of sections) {
    if (taken.has(s.prefix))
      throw new Error(`settings prefix ${s.prefix}_ is used twice (section ${s.key})`);
    taken.add(s.prefix);
  }
  return sections;
}

/** One environment variable a setting reads. */
export interface EnvSetting {
  name: string;
  group: string;
  kind: FieldInfo["kind"] | "enabled";
  description: string;
  defaultValue: unknown;
}

/**
 * Settings the edition's plan decides (`DEPLOYMENT_MODE`, the catalog): no environment variable
 * sets them, so the catalog is their one source.
 */
const FROM_PLAN = new Set(["monitor.retentionDays", "alerts.dailyCap"]);

function monitorFields(): FieldInfo[] {
  return fieldsOf(monitorConfig).filter(
    (f) => f.key !== "sources" && f.key !== "detectors" && !FROM_PLAN.has(`monitor.${f.key}`),
  );
}

/** A section's fields that environment variables set. */
function sectionFields(section: Section): FieldInfo[] {
  return fieldsOf(section.schema).filter((f) => !FROM_PLAN.has(`${section.key}.${f.key}`));
}

/** Every environment variable kamiyo reads, in documentation order. */
export function envSettings(): EnvSetting[] {
  const out: EnvSetting[] = fieldsOf(processConfig).map((f) => ({
    name: f.key,
    group: "general",
    kind: f.kind,
    description: f.description,
    defaultValue: f.defaultValue,
  }));
  for (const f of monitorFields()) {
    out.push({
      name: `${MONITOR_PREFIX}_${screamingSnake(f.key)}`,
      group: "general",
      kind: f.kind,
      description: f.description,
      defaultValue: f.defaultValue,
    });
  }
  for (const section of SECTIONS) {
    for (const f of sectionFields(section)) {
      out.push({
        name: `${section.prefix}_${screamingSnake(f.key)}`,
        group: section.key,
        kind: f.kind,
        description: f.description,
        defaultValue: f.defaultValue,
      });
    }
  }
  for (const slot of SLOTS) {
    const group = `${slot.path[0]}.${slot.path[1]}`;
    out.push({
      name: `${slot.prefix}_ENABLED`,
      group,
      kind: "enabled",
      description: `Run the ${slot.path[1]} ${slot.path[0].slice(0, -1)}`,
      defaultValue: true,
    });
    for (const f of fieldsOf(slot.schema)) {
      out.push({
        name: `${slot.prefix}_${screamingSnake(f.key)}`,
        group,
        kind: f.kind,
        description: f.description,
        defaultValue: f.defaultValue,
      });
    }
  }
  return out;
}

export type LoadResult =
  | { ok: true; config: AppConfig; warnings: string[] }
  | { ok: false; errors: string[] };

/**
 * Reads the whole configuration from environment variables, once, listing every problem.
 * Variables under a kamiyo prefix that match no setting are warned about (likely typos).
 */
export function loadConfig(env: Record<string, string | undefined>): LoadResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const proc = processConfig.safeParse(
    Object.fromEntries(Object.keys(processConfig.shape).map((k) => [k, env[k] || undefined])),
  );
  if (!proc.success)
    for (const i of proc.error.issues) errors.push(`${i.path.join(".")}: ${i.message}`);

  const input: Record<string, unknown> = {};
  const known = new Map<string, string[]>();
  const set = (name: string, path: string[], kind: FieldInfo["kind"]) => {
    known.set(name, path);
    const text = env[name];
    if (text === undefined || text === "") return;
    const value = coerce(kind, text);
    if (!value.ok) {
      errors.push(`${name}: ${value.error}`);
      return;
    }
    let node = input;
    for (const p of path.slice(0, -1)) {
      node[p] ??= {};
      node = node[p] as Record<string, unknown>;
    }
    node[path.at(-1) as string] = value.value;
  };
  for (const f of monitorFields())
    set(`${MONITOR_PREFIX}_${screamingSnake(f.key)}`, [f.key], f.kind);
  for (const section of SECTIONS)
    for (const f of sectionFields(section))
      set(`${section.prefix}_${screamingSnake(f.key)}`, [`__${section.key}`, f.key], f.kind);
  for (const slot of SLOTS) {
    set(`${slot.prefix}_ENABLED`, [...slot.path, "enabled"], "boolean");
    for (const f of fieldsOf(slot.schema))
      set(`${slot.prefix}_${screamingSnake(f.key)}`, [...slot.path, "config", f.key], f.kind);
  }

  const prefixes = [
    MONITOR_PREFIX,
    ...SECTIONS.map((s) => s.prefix),
    ...SLOTS.map((s) => s.prefix),
  ].map((p) => `${p}_`);
  for (const name of Object.keys(env)) {
    if (known.has(name) || name in processConfig.shape) continue;
    if (prefixes.some((p) => name.startsWith(p)))
      warnings.push(`${name} is not a kamiyo setting and is ignored${suggest(name, known)}`);
  }

  if (proc.success && proc.data.DATABASE_APP_URL && !proc.data.DATABASE_URL)
    errors.push("DATABASE_APP_URL: needs DATABASE_URL (the embedded database has one connection)");
  const sectionKeys = new Set(SECTIONS.map((sec) => `__${sec.key}`));
  const monitorInput = Object.fromEntries(
    Object.entries(input).filter(([k]) => !sectionKeys.has(k)),
  );
  const parsed = monitorConfig.safeParse(monitorInput);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      errors.push(`${envNameFor(issue.path.map(String), known)}: ${issue.message}`);
  }
  const sections: Record<string, unknown> = {};
  for (const section of SECTIONS) {
    const result = section.schema.safeParse(input[`__${section.key}`] ?? {});
    if (result.success) sections[section.key] = result.data;
    else
      for (const issue of result.error.issues)
        errors.push(
          `${envNameFor([`__${section.key}`, ...issue.path.map(String)], known)}: ${issue.message}`,
        );
  }
  if (errors.length > 0 || !proc.success || !parsed.success) return { ok: false, errors };
  // What the edition's plan decides: history kept and alerts a day.
  const limits = planById(proc.data.DEPLOYMENT_MODE).limits;
  const unlimited = Number.MAX_SAFE_INTEGER;
  return {
    ok: true,
    warnings,
    config: {
      databaseUrl: proc.data.DATABASE_URL ?? null,
      databaseAppUrl: proc.data.DATABASE_APP_URL ?? null,
      redisUrl: proc.data.REDIS_URL ?? null,
      nats: proc.data.NATS_URL
        ? {
            url: proc.data.NATS_URL,
            credsFile: proc.data.NATS_CREDS_FILE ?? null,
            stream: proc.data.NATS_STREAM,
          }
        : null,
      dataDir: proc.data.KAMIYO_DATA_DIR,
      secretKeys: {
        keys: proc.data.KAMIYO_SECRET_KEYS ?? null,
        file: proc.data.KAMIYO_SECRET_KEYS_FILE ?? null,
      },
      cacheDir: proc.data.KAMIYO_CACHE_DIR,
      logLevel: proc.data.LOG_LEVEL,
      plan: proc.data.DEPLOYMENT_MODE,
      monitor: { ...parsed.data, retentionDays: limits.historyDays ?? unlimited },
      api: sections.api as ApiConfig,
      alerts: { ...(sections.alerts as AlertsConfig), dailyCap: limits.alertsPerDay ?? unlimited },
      modules: Object.fromEntries(
        SECTIONS.filter((sec) => sec.module).map((sec) => [sec.key, sections[sec.key]]),
      ),
      ml: sections.ml as MlConfig,
      correlator: sections.correlator as CorrelatorConfig,
      stripe: sections.stripe as StripeConfig,
    },
  };
}

/** The variable behind a config path: the exact setting, else its plug-in's prefix (object-level rules). */
function envNameFor(path: string[], known: Map<string, string[]>): string {
  const key = path.join(".");
  for (const [name, p] of known) if (p.join(".") === key) return name;
  const slot = SLOTS.find((s) => key.startsWith(s.path.join(".")));
  return slot ? `${slot.prefix}_*` : key || "configuration";
}

function suggest(name: string, known: Map<string, string[]>): string {
  let best: string | null = null;
  let bestDistance = 4;
  for (const candidate of known.keys()) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean ${best}?)` : "";
}

/** Levenshtein distance, for typo suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length] as number;
}
