import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "@kamiyo/db";
import { CliError, type CliIo } from "@kamiyo/platform";
import type { Command } from "commander";
import { writeInstallPackage } from "../onboarding/install-package.ts";
import { offboardTenant } from "../onboarding/offboard.ts";
import { onboardTenant } from "../onboarding/onboard.ts";
import type { RcaSettings } from "../settings.ts";
import { JetStreamBus } from "../streams/jetstream-bus.ts";

/** What onboarding uses of the module CLI context. */
export interface OnboardCliContext {
  readonly io: CliIo;
  openDb(): Promise<Db>;
  settings(): RcaSettings;
}

interface OnboardOptions {
  plan: string;
  endpoint: string;
  out: string;
  ownerEmail?: string;
  nats?: string;
  natsTrust?: string;
}

/** The platform's NATS, as the platform's own credentials reach it (to make or drop streams). */
const platformBus = (url: string, credsFile: string | undefined) =>
  JetStreamBus.connectAs(url, credsFile, async () => []);

/**
 * `kamiyo rca onboard NAME --plan rca_… --endpoint URL --out DIR [--nats URL --nats-trust DIR]`:
 * the tenant, its owner's key (printed once), its agents' key and, with NATS, its credentials and
 * its stream; then the install package in DIR (Helm values, install script, README, secrets).
 */
export async function rcaOnboardCommand(
  ctx: OnboardCliContext,
  name: string,
  o: OnboardOptions,
): Promise<void> {
  try {
    new URL(o.endpoint);
  } catch {
    throw new CliError(`--endpoint: not a URL: ${o.endpoint}`);
  }
  if (Boolean(o.nats) !== Boolean(o.natsTrust))
    throw new CliError("--nats and --nats-trust go together (the trust signs the credentials)");
  const seedFile = o.natsTrust ? join(o.natsTrust, "account.seed") : undefined;
  if (seedFile && !existsSync(seedFile))
    throw new CliError(
      `--nats-trust: no account.seed in ${o.natsTrust} (kamiyo rca nats-trust --out DIR)`,
    );
  if (existsSync(join(o.out, "values.yaml")))
    throw new CliError(`--out: ${o.out} already holds an install package; not overwriting it`);
  const db = await ctx.openDb();
  try {
    const made = await onboardTenant(db, {
      name,
      plan: o.plan,
      nowMs: Date.now(),
      actor: "cli",
      ...(o.ownerEmail ? { ownerEmail: o.ownerEmail } : {}),
      ...(seedFile ? { accountSeed: readFileSync(seedFile, "utf8").trim() } : {}),
    }).catch((err: Error) => {
      throw new CliError(err.message);
    });
    if (o.nats && o.natsTrust) {
      const bus = await platformBus(o.nats, join(o.natsTrust, "platform.creds"));
      try {
        await bus.ensureStream(made.tenantId);
      } finally {
        await bus.close();
      }
    }
    const files = writeInstallPackage(o.out, {
      name,
      tenantId: made.tenantId,
      plan: o.plan,
      endpoint: o.endpoint,
      agentKey: made.agentKey,
      ...(o.nats && made.natsCreds ? { nats: { url: o.nats, creds: made.natsCreds } } : {}),
    });
    ctx.io.out(
      [
        `tenant ${made.tenantId} (${name}) on ${o.plan}`,
        `owner key, shown once (give it to the client's owner; it is not in the package): ${made.ownerKey}`,
        `install package: ${o.out}`,
        ...files.map((f) => `  ${f}`),
        "",
      ].join("\n"),
    );
  } finally {
    await db.close();
  }
}

/**
 * `kamiyo rca offboard TENANT --export FILE`: exports the tenant's graph and analyses, then deletes
 * its stream (RCA_NATS_URL), its graph, its agents' keys, and ends its RCA subscription.
 */
export async function rcaOffboardCommand(
  ctx: OnboardCliContext,
  tenantId: string,
  o: { export: string },
): Promise<void> {
  if (existsSync(o.export)) throw new CliError(`--export: ${o.export} already exists`);
  const settings = ctx.settings();
  const db = await ctx.openDb();
  try {
    const [tenant] = await db.query<{ id: string }>("SELECT id FROM tenants WHERE id = $1", [
      tenantId,
    ]);
    if (!tenant) throw new CliError(`no tenant ${tenantId}`);
    const bus = settings.natsUrl
      ? await platformBus(settings.natsUrl, settings.natsCredsFile)
      : null;
    try {
      const done = await offboardTenant(db, tenantId, {
        file: o.export,
        nowMs: Date.now(),
        ...(bus ? { deleteStream: (t: string) => bus.deleteStream(t) } : {}),
      });
      ctx.io.out(
        [
          `exported to ${done.file}: ${Object.entries(done.rows)
            .map(([t, n]) => `${n} ${t}`)
            .join(", ")}`,
          `deleted: the graph${done.streamDeleted ? ", the ingest stream" : " (no NATS configured: no stream to delete)"}; ${done.revokedKeys} agent key(s) revoked; RCA subscription ended`,
          "",
        ].join("\n"),
      );
    } finally {
      await bus?.close();
    }
  } finally {
    await db.close();
  }
}

/** Adds `onboard` and `offboard` to `kamiyo rca`. */
export function onboardCli(rca: Command, ctx: OnboardCliContext): void {
  rca
    .command("onboard")
    .description("onboard an RCA client: tenant, keys, stream credentials and install package")
    .argument("<name>", "the client's name")
    .requiredOption("--plan <plan>", "its RCA plan: rca_free, rca_basic, rca_pro, rca_enterprise")
    .requiredOption("--endpoint <url>", "the platform's API as the client's cluster reaches it")
    .requiredOption("--out <dir>", "where to write the install package")
    .option("--owner-email <email>", "the client's owner (a member who can sign in)")
    .option("--nats <url>", "the platform's NATS, for the state watcher's stream")
    .option("--nats-trust <dir>", "the folder kamiyo rca nats-trust wrote (signs the credentials)")
    .action((name: string, o: OnboardOptions) => rcaOnboardCommand(ctx, name, o));
  rca
    .command("offboard")
    .description("export an RCA client's graph, then delete it, its stream and its agents' keys")
    .argument("<tenant>", "the tenant's id")
    .requiredOption("--export <file>", "where to write the export (gzip NDJSON; must not exist)")
    .action((tenant: string, o: { export: string }) => rcaOffboardCommand(ctx, tenant, o));
}
