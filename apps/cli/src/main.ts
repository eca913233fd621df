import type { DeliveryStatus } from "@kamiyo/alerts";
import { isSecretKeyId, newSecretKeyEntry } from "@kamiyo/core";
import { type AnyModule, CliError, CliExit, type CliIo, processIo } from "@kamiyo/platform";
import { Command, CommanderError, InvalidArgumentError } from "commander";
import {
  type ApiKeyCreateOptions,
  apiKeyCreateCommand,
  apiKeyListCommand,
  apiKeyRevokeCommand,
  parseRole,
  parseScopes,
} from "./commands/api-key.ts";
import { billingCommand } from "./commands/billing.ts";
import { configCommand } from "./commands/config.ts";
import {
  deliveriesListCommand,
  deliveriesReplayCommand,
  parseDeliveryStatus,
  parseLimit,
} from "./commands/deliveries.ts";
import { memberPasswordCommand } from "./commands/member.ts";
import { migrateCommand } from "./commands/migrate.ts";
import {
  type MlWindowOptions,
  mlEvaluateCommand,
  mlStatusCommand,
  mlTrainCommand,
} from "./commands/ml.ts";
import { monitorCommand } from "./commands/monitor.ts";
import { recordCommand } from "./commands/record.ts";
import { replayCommand } from "./commands/replay.ts";
import { serveCommand, VERSION } from "./commands/serve.ts";
import { serveDemoCommand } from "./commands/serve-demo.ts";
import {
  parseComment,
  parseDetector,
  parseIsoTime,
  parseKind,
  parseSeverities,
  parseSilenceDuration,
  parseSubject,
  type SilenceAddOptions,
  silenceAddCommand,
  silenceExpireCommand,
  silenceListCommand,
} from "./commands/silence.ts";
import { tenantCreateCommand, tenantListCommand } from "./commands/tenant.ts";
import { usageCommand } from "./commands/usage.ts";
import { type AppConfig, loadConfig } from "./config/app-config.ts";
import { MODULES } from "./modules.ts";
import { parseRoles, parseShard, ROLES, type Role } from "./roles/roles.ts";
import { moduleCliContext } from "./runtime.ts";

/** "90s", "10m", "2h", "1d" or plain milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m)
    throw new InvalidArgumentError(
      'expected a duration such as "90s", "10m", "2h" or milliseconds',
    );
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? "ms") as "ms"];
  const ms = Number(m[1]) * unit;
  if (ms <= 0) throw new InvalidArgumentError("the duration must be positive");
  return ms;
}

/** A positive number of days (fractions allowed). */
export function parseDays(text: string): number {
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(n > 0) || n > 3650)
    throw new InvalidArgumentError("expected a number of days greater than 0 (at most 3650)");
  return n;
}

export function parseAlgorithm(text: string): "isolation-forest" | "ensemble" {
  if (text !== "isolation-forest" && text !== "ensemble")
    throw new InvalidArgumentError("expected isolation-forest or ensemble");
  return text;
}

/** A key id of KAMIYO_SECRET_KEYS: 1-32 letters, digits, _ or -. */
export function parseKeyId(text: string): string {
  if (!isSecretKeyId(text)) throw new InvalidArgumentError("expected 1-32 letters, digits, _ or -");
  return text;
}

/** A positive speed factor or "max". */
export function parseSpeed(text: string): number | "max" {
  if (text === "max") return "max";
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number or "max"');
  return n;
}

/** A positive number (a speed factor). */
export function parsePositive(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("expected a positive number");
  return n;
}

/** `--role api,deliver`: the roles, or a usage error naming the one that is wrong. */
function parseRolesOption(text: string): ReadonlySet<Role> {
  try {
    return parseRoles(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `--shard 1/2`. */
function parseShardOption(text: string): { index: number; of: number } {
  try {
    return parseShard(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/**
 * For the silence and deliveries commands: a usage error (unknown option, missing or invalid
 * value) is one line, "kamiyo: <what was expected>", and exits 2 like a CliError.
 */
function usageErrors(cmd: Command): Command {
  return cmd
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (str, write) => write(`kamiyo: ${str.replace(/^error: /, "")}`),
    })
    .exitOverride((err: CommanderError) => {
      throw new CliExit(err.exitCode === 0 ? 0 : 2);
    });
}

/**
 * The `kamiyo` command tree, writing to `stdio` and reading its environment.
 * Parses the environment once per command, listing every problem (exit code 2 when invalid).
 */
export function program(stdio: CliIo = processIo): Command {
  const config = (): AppConfig => {
    const res = loadConfig(stdio.env);
    if (!res.ok) {
      stdio.err(
        `kamiyo: invalid configuration:\n${res.errors.map((e) => `  - ${e}`).join("\n")}\n`,
      );
      throw new CliExit(2);
    }
    for (const w of res.warnings) stdio.err(`kamiyo: warning: ${w}\n`);
    return res.config;
  };
  const p = new Command("kamiyo")
    .configureOutput({ writeOut: (t) => stdio.out(t), writeErr: (t) => stdio.err(t) })
    .exitOverride()
    .description(
      "Kamiyo: real-time security monitoring for Hyperliquid (HLP vaults, oracles, liquidations, manipulation)",
    )
    .version(VERSION)
    .showHelpAfterError();
  p.command("serve")
    .description(
      "run the HTTP API, the monitor and the delivery workers in one process, or the roles --role names",
    )
    .option(
      "--role <roles>",
      "what this process runs, comma-separated: api, ingest, detect, deliver (default all four); ingest and detect apart talk through NATS_URL",
      parseRolesOption,
    )
    .option(
      "--shard <i/n>",
      "with --role detect: run detector shard i of n (each shard a process; default 0/1)",
      parseShardOption,
    )
    .option(
      "--demo",
      "a first look without the internet: replay a recorded incident (the 10 Oct 2025 cascade) and real exploit datasets into a temporary embedded database, and serve them",
    )
    .option("--demo-speed <n>", "recorded time per real time in --demo", parsePositive, 20)
    .option("--demo-recording <file>", "the recording --demo replays (default: the cascade)")
    .action(
      (o: {
        role?: ReadonlySet<Role>;
        shard?: { index: number; of: number };
        demo?: boolean;
        demoSpeed: number;
        demoRecording?: string;
      }) =>
        o.demo
          ? serveDemoCommand(config(), { speed: o.demoSpeed, recording: o.demoRecording }, stdio)
          : serveCommand(
              config(),
              { roles: o.role ?? new Set(ROLES), shard: o.shard ?? { index: 0, of: 1 } },
              stdio,
            ),
    );
  p.command("monitor")
    .description("watch Hyperliquid live; store findings and print them as they happen")
    .option("--json", "one JSON object per line")
    .action((o: { json?: boolean }) => monitorCommand(config(), { json: o.json === true }, stdio));
  p.command("record")
    .description("record live traffic to a replay file (NDJSON) while monitoring")
    .requiredOption("--out <file>", "replay file to write")
    .option("--duration <duration>", 'stop after this long ("90s", "10m", "2h")', parseDuration)
    .option("--json", "print findings as JSON lines")
    .action((o: { out: string; duration?: number; json?: boolean }) =>
      recordCommand(config(), { out: o.out, durationMs: o.duration, json: o.json === true }, stdio),
    );
  p.command("replay")
    .description(
      "replay a recording through local servers speaking the real protocols, on a virtual clock",
    )
    .argument("<file>", "replay file (NDJSON)")
    .option(
      "--speed <n>",
      'virtual time per real time, or "max"',
      parseSpeed,
      "max" as number | "max",
    )
    .option("--json", "one JSON object per finding line, with ts in replay time")
    .option(
      "--persist",
      "store findings, time series and alerts in the configured database (default: in memory, discarded)",
    )
    .option(
      "--alerts-out <file>",
      "write the alerts the channels would have received (never sent) to FILE, one JSON object a line",
    )
    .action(
      (
        file: string,
        o: { speed: number | "max"; json?: boolean; persist?: boolean; alertsOut?: string },
      ) =>
        replayCommand(
          config(),
          file,
          {
            speed: o.speed,
            json: o.json === true,
            persist: o.persist === true,
            alertsOut: o.alertsOut,
          },
          stdio,
        ),
    );
  const tenant = usageErrors(
    p.command("tenant").description("tenants of this install (as the platform operator)"),
  );
  tenant
    .command("create")
    .description('create a tenant and its owner key; prints {"tenant", "apiKey"}')
    .argument("<name>", "the tenant's name")
    .option("--plan <plan>", "its plan (default open_source)")
    .option("--test", "make the owner key a kmy_test_ key")
    .option("--owner <email>", "the person who owns it (its first member)")
    .action((name: string, o: { plan?: string; test?: boolean; owner?: string }) =>
      tenantCreateCommand(config(), name, o, stdio),
    );
  tenant
    .command("list")
    .description("every tenant, oldest first")
    .option("--json", "as one JSON array")
    .action((o: { json?: boolean }) => tenantListCommand(config(), o, stdio));
  usageErrors(p.command("usage"))
    .description("a tenant's usage today and this billing period against its plans' quotas")
    .option("--tenant <id>", "default ten_default")
    .option("--json", "as one JSON object")
    .action((o: { tenant?: string; json?: boolean }) => usageCommand(config(), o, stdio));
  const billing = usageErrors(p.command("billing").description("billing through Stripe"));
  billing
    .command("sync")
    .description("make Stripe's products, prices and meters match the plan catalog (idempotent)")
    .action(() => billingCommand(config(), "sync", stdio));
  billing
    .command("close")
    .description("close ended billing periods into invoices and report usage to Stripe")
    .action(() => billingCommand(config(), "close", stdio));
  const member = usageErrors(
    p.command("member").description("people of this install (as the platform operator)"),
  );
  member
    .command("password")
    .description(
      "set a person's password for signing in to the dashboard, read from standard input (asked for without echo at a terminal); their sessions end",
    )
    .requiredOption("--email <address>", "the person's email address")
    .action((o: { email: string }) => memberPasswordCommand(config(), o, stdio));
  const apiKey = usageErrors(p.command("api-key").description("API keys, stored hashed"));
  apiKey
    .command("create")
    .description('create a key (shown once); prints {"id", "key", "prefix", "role", "scopes"}')
    .option("--tenant <id>", "the tenant it belongs to (default ten_default)")
    .option("--role <role>", "owner, admin, member or viewer (default owner)", parseRole)
    .option("--scopes <list>", "narrow the role to these scopes, comma-separated", parseScopes)
    .option("--name <name>", "what it is for")
    .option("--expires <time>", "when it stops working (ISO 8601)", parseIsoTime)
    .option("--test", "a kmy_test_ key")
    .option("--operator", "the platform operator's key (/admin/…)")
    .action((o: ApiKeyCreateOptions) => apiKeyCreateCommand(config(), o, stdio));
  apiKey
    .command("list")
    .description("a tenant's keys, newest first")
    .option("--tenant <id>", "default ten_default")
    .option("--json", "as one JSON array")
    .action((o: { tenant?: string; json?: boolean }) => apiKeyListCommand(config(), o, stdio));
  apiKey
    .command("revoke")
    .description("revoke a key for good")
    .argument("<id>", "key id (key_…)")
    .option("--tenant <id>", "default ten_default")
    .action((id: string, o: { tenant?: string }) => apiKeyRevokeCommand(config(), id, o, stdio));
  for (const m of MODULES.modules as readonly AnyModule[])
    m.cli?.(p, moduleCliContext(m, config, stdio));
  const ml = usageErrors(
    p.command("ml").description("anomaly detection and forecasting learnt from stored history"),
  );
  const windowOptions = (cmd: Command): Command =>
    cmd
      .option("--since <time>", "start of the history window (ISO 8601)", parseIsoTime)
      .option(
        "--until <time>",
        "end of the history window (ISO 8601; default: the newest data)",
        parseIsoTime,
      )
      .option("--days <n>", "window length before --until, days (default ML_TRAIN_DAYS)", parseDays)
      .option(
        "--replay <file>",
        "learn from a recording instead, replayed into a temporary database",
      );
  windowOptions(
    ml
      .command("train")
      .description("train the anomaly model and the forecasters; the new version becomes active"),
  )
    .option("--algorithm <name>", "isolation-forest or ensemble (default: by plan)", parseAlgorithm)
    .action((o: MlWindowOptions & { algorithm?: "isolation-forest" | "ensemble" }) =>
      mlTrainCommand(config(), o, stdio),
    );
  windowOptions(
    ml
      .command("evaluate")
      .description("score a window with the active anomaly model against rule-based incidents"),
  )
    .option("--json", "the whole report as one JSON object")
    .action((o: MlWindowOptions & { json?: boolean }) =>
      mlEvaluateCommand(config(), { ...o, json: o.json === true }, stdio),
    );
  ml.command("status")
    .description("list the stored model versions")
    .action(() => mlStatusCommand(config(), stdio));
  p.command("migrate")
    .description("apply pending database migrations and exit (serve also migrates at start-up)")
    .action(() => migrateCommand(config(), stdio));
  p.command("config")
    .description("print the effective configuration, or --reference for every environment variable")
    .option("--reference", "markdown reference of every setting")
    .action((o: { reference?: boolean }) =>
      configCommand(o.reference ? null : config(), { reference: o.reference === true }, stdio),
    );
  const secrets = usageErrors(
    p
      .command("secrets")
      .description("the key ring secrets stored for tenants are sealed with (KAMIYO_SECRET_KEYS)"),
  );
  secrets
    .command("new-key")
    .description(
      "print a new key (id:base64 of 32 random bytes); put it first in KAMIYO_SECRET_KEYS to seal with it, keeping the old ones after it",
    )
    .option("--id <id>", "the key's id (default k and today's date)", parseKeyId)
    .action((o: { id?: string }) => {
      const today = new Date().toISOString().slice(0, 10).replace(/-/g, "");
      stdio.out(`${newSecretKeyEntry(o.id ?? `k${today}`)}\n`);
    });
  const silence = usageErrors(
    p
      .command("silence")
      .description("mute alerts of matching findings for a while (as POST /silences)"),
  );
  silence
    .command("add")
    .description("silence findings matching every matcher given, from now")
    .option("--detector <name>", "findings of this detector", parseDetector)
    .option("--kind <kind>", "findings of this kind", parseKind)
    .option("--subject <id>", "findings about this coin, vault or account", parseSubject)
    .option(
      "--severity <list>",
      "findings of any of these severities (low,medium)",
      parseSeverities,
    )
    .option(
      "--for <duration>",
      'how long ("30m", "2h", "1d"; at most 30 days)',
      parseSilenceDuration,
    )
    .option("--until <time>", "when it ends (ISO 8601, within 30 days)", parseIsoTime)
    .requiredOption("--comment <text>", "why (1–500 characters)", parseComment)
    .option("--tenant <id>", "the tenant (default ten_default)")
    .action((o: SilenceAddOptions) => silenceAddCommand(config(), o, stdio));
  silence
    .command("list")
    .description("silences in force now, newest first")
    .option("--all", "ended ones too")
    .option("--tenant <id>", "the tenant (default ten_default)")
    .action((o: { all?: boolean; tenant?: string }) =>
      silenceListCommand(config(), { all: o.all === true, tenant: o.tenant }, stdio),
    );
  silence
    .command("expire")
    .description("end a silence now")
    .argument("<id>", "silence id (sil_…)")
    .option("--tenant <id>", "the tenant (default ten_default)")
    .action((id: string, o: { tenant?: string }) => silenceExpireCommand(config(), id, o, stdio));
  const deliveries = usageErrors(
    p
      .command("deliveries")
      .description("the alert outbox: deliveries to channels and their attempts"),
  );
  deliveries
    .command("list")
    .description("newest deliveries first")
    .option("--channel <id>", "only this channel's")
    .option(
      "--status <status>",
      "only these: exhausted, pending, delivered or cancelled",
      parseDeliveryStatus,
    )
    .option("--limit <n>", "at most this many (1–200)", parseLimit, 50)
    .option("--tenant <id>", "the tenant (default ten_default)")
    .action((o: { channel?: string; status?: DeliveryStatus; limit: number; tenant?: string }) =>
      deliveriesListCommand(config(), o, stdio),
    );
  deliveries
    .command("replay")
    .description("send an exhausted or cancelled delivery again, due now")
    .argument("<id>", "delivery id (msg_…)")
    .option("--tenant <id>", "the tenant (default ten_default)")
    .action((id: string, o: { tenant?: string }) =>
      deliveriesReplayCommand(config(), id, o, stdio),
    );
  return p;
}

/**
 * Runs `kamiyo` with `argv` (as `process.argv`: node, script, then the arguments).
 * @returns the exit code: 0, 1 for a failure, 2 for a usage or configuration error.
 */
export async function main(argv: string[], stdio: CliIo = processIo): Promise<number> {
  try {
    await program(stdio).parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    // Commander has written its message (or the help) already.
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      stdio.err(`kamiyo: ${err.message}\n`);
      return 2;
    }
    stdio.err(`kamiyo: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
