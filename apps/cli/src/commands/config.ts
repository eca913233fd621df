import type { CliIo } from "@kamiyo/platform";
import { type AppConfig, envSettings } from "../config/app-config.ts";
import { MODULES } from "../modules.ts";

/** `kamiyo config`: the effective configuration (credentials masked), or the reference of every variable. */
export function configCommand(
  config: AppConfig | null,
  opts: { reference: boolean },
  stdio: CliIo,
): void {
  if (opts.reference || !config) {
    stdio.out(configReference());
    return;
  }
  const shown = {
    ...config,
    databaseUrl: withoutPassword(config.databaseUrl),
    databaseAppUrl: withoutPassword(config.databaseAppUrl),
    redisUrl: withoutPassword(config.redisUrl),
    // The keys' ids only: which key seals, which still open.
    secretKeys: {
      keys: config.secretKeys.keys?.map((k) => k.id) ?? null,
      file: config.secretKeys.file,
    },
    alerts: {
      ...config.alerts,
      discordUrl: mask(config.alerts.discordUrl),
      slackUrl: mask(config.alerts.slackUrl),
      telegramBotToken: mask(config.alerts.telegramBotToken),
      emailPass: mask(config.alerts.emailPass),
      webhookSecret: mask(config.alerts.webhookSecret),
    },
    stripe: {
      ...config.stripe,
      secretKey: mask(config.stripe.secretKey),
      webhookSecret: mask(config.stripe.webhookSecret),
    },
    modules: Object.fromEntries(
      MODULES.settings.map((m) => [m.module, masked(config.modules[m.module], m.secrets ?? [])]),
    ),
  };
  stdio.out(`${JSON.stringify(shown, null, 2)}\n`);
}

/** Markdown table of every environment variable, grouped; the README's configuration reference. */
export function configReference(): string {
  const rows = envSettings();
  const groups = [...new Set(rows.map((r) => r.group))];
  const out: string[] = [];
  for (const g of groups) {
    out.push(
      `#### ${g === "general" ? "General" : g}`,
      "",
      "| variable | default | meaning |",
      "| --- | --- | --- |",
    );
    for (const r of rows.filter((x) => x.group === g)) {
      out.push(
        `| \`${r.name}\` | ${formatDefault(r.defaultValue)} | ${r.description.replace(/\|/g, "\\|")} |`,
      );
    }
    out.push("");
  }
  return `${out.join("\n")}`;
}

function formatDefault(v: unknown): string {
  if (v === undefined) return "(unset)";
  if (Array.isArray(v)) {
    if (v.length === 0) return "(empty)";
    if (typeof v[0] === "object") return `${v.length} entries`;
    return `\`${v.join(",")}\``;
  }
  return `\`${String(v)}\``;
}

/** A connection URL with its password masked (`redis://:pw@h` too). */
function withoutPassword(url: string | null): string | null {
  return url?.replace(/\/\/([^:@/]*):[^@/]*@/, "//$1:***@") ?? null;
}

/** A module's settings with its secret fields masked. */
function masked(settings: unknown, secrets: readonly string[]): unknown {
  const out = { ...(settings as Record<string, unknown>) };
  for (const k of secrets) if (typeof out[k] === "string") out[k] = "***";
  return out;
}

/** A secret setting shown only as set or unset. */
function mask(v: string | undefined): string | undefined {
  return v === undefined ? undefined : "***";
}
