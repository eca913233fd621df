import { createWriteStream, existsSync, readFileSync, renameSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { type Db, tenantDb } from "@kamiyo/db";
import { CliError, CliExit, type ModuleCliContext } from "@kamiyo/platform";
import { type Command, InvalidArgumentError } from "commander";
import { writeAuditCheckpoint } from "../audit/append.ts";
import { AUDIT_EXPORT_FORMATS, type AuditExportFormat, exportAuditTrail } from "../audit/export.ts";
import { type AuditAnchor, verifyAuditChain } from "../audit/verify.ts";

/** What the audit commands use of the app: its io and its database. */
export type AuditCliContext = Pick<ModuleCliContext<unknown>, "io" | "openDb">;

/** Opens the database, checks the tenant exists, runs `fn`, closes the database. */
export async function withTenant<T>(
  ctx: AuditCliContext,
  tenantId: string,
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const db = await ctx.openDb();
  try {
    const [tenant] = await db.query("SELECT id FROM tenants WHERE id = $1", [tenantId]);
    if (!tenant) throw new CliError(`--tenant: no tenant ${tenantId}`);
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** `--anchors FILE`: a JSON array of {seq, hash} (the `checkpoints` of an earlier export). */
function readAnchors(file: string): AuditAnchor[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new CliError(`${file}: cannot read it as JSON (${(err as Error).message})`);
  }
  const valid = (a: unknown): a is AuditAnchor =>
    typeof a === "object" &&
    a !== null &&
    Number.isSafeInteger((a as AuditAnchor).seq) &&
    typeof (a as AuditAnchor).hash === "string";
  if (!Array.isArray(parsed) || !parsed.every(valid))
    throw new CliError(`${file}: expected a JSON array of {"seq", "hash"}`);
  return parsed.map((a) => ({ seq: a.seq, hash: a.hash }));
}

/**
 * `kamiyo shield audit verify --tenant ID [--from SEQ] [--anchors FILE] [--json]`: verifies the
 * tenant's audit chain; prints it intact, or names the first broken record and exits 1.
 * @throws CliError for an unknown tenant, no checkpoint at `--from`, or an unreadable anchors file.
 */
export async function auditVerifyCommand(
  ctx: AuditCliContext,
  opts: { tenant: string; from?: number; anchors?: string; json?: boolean },
): Promise<void> {
  const anchors = opts.anchors ? readAnchors(opts.anchors) : [];
  const result = await withTenant(ctx, opts.tenant, async (db) => {
    try {
      return await verifyAuditChain(db, opts.tenant, {
        anchors,
        ...(opts.from === undefined ? {} : { from: opts.from }),
      });
    } catch (err) {
      throw new CliError(`--from: ${(err as Error).message}`);
    }
  });
  if (opts.json) ctx.io.out(`${JSON.stringify(result)}\n`);
  const what = `tenant ${opts.tenant}: audit trail`;
  if (result.firstBroken) {
    const { seq, reason } = result.firstBroken;
    ctx.io.err(
      `kamiyo: ${what} broken at seq ${seq}: ${reason} (${result.records} records intact before it)\n`,
    );
    throw new CliExit(1);
  }
  if (!opts.json)
    ctx.io.out(
      result.head
        ? `${what} intact: ${result.records} records, head seq ${result.head.seq} hash ${result.head.hash}\n`
        : `${what} intact: no records\n`,
    );
}

/**
 * `kamiyo shield audit export --tenant ID --format csv|json [--out FILE]`: writes the tenant's
 * audit trail to FILE (owner-readable only, via FILE.partial renamed once complete) or stdout.
 * @throws CliError for an unknown tenant or format, or an existing FILE.
 */
export async function auditExportCommand(
  ctx: AuditCliContext,
  opts: { tenant: string; format: string; out?: string },
): Promise<void> {
  if (!(AUDIT_EXPORT_FORMATS as readonly string[]).includes(opts.format))
    throw new CliError(`--format: expected one of ${AUDIT_EXPORT_FORMATS.join(", ")}`);
  const format = opts.format as AuditExportFormat;
  const out = opts.out;
  if (out && existsSync(out)) throw new CliError(`${out} already exists; not overwriting it`);
  await withTenant(ctx, opts.tenant, async (db) => {
    if (!out) {
      for await (const chunk of exportAuditTrail(db, opts.tenant, format)) ctx.io.out(chunk);
      return;
    }
    const partial = `${out}.partial`;
    await pipeline(
      exportAuditTrail(db, opts.tenant, format),
      createWriteStream(partial, { mode: 0o600 }),
    );
    renameSync(partial, out);
  });
}

/**
 * `kamiyo shield audit checkpoint --tenant ID`: writes a checkpoint at the tenant's chain head now
 * and prints it as one JSON object `{"seq", "hash"}` (null for an empty chain), to keep outside
 * the database and give back to `verify --anchors` in an array.
 * @throws CliError for an unknown tenant.
 */
export async function auditCheckpointCommand(
  ctx: AuditCliContext,
  opts: { tenant: string },
): Promise<void> {
  const written = await withTenant(ctx, opts.tenant, (db) =>
    tenantDb(db, opts.tenant).transaction((tx) => writeAuditCheckpoint(tx, Date.now())),
  );
  ctx.io.out(`${JSON.stringify(written)}\n`);
}

/** A whole number ≥ 1 (a seq). */
function parseSeq(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError("expected a seq, 1 or more");
  return n;
}

/** Adds `audit verify`, `audit export` and `audit checkpoint` to `kamiyo shield`. */
export function auditCli(shield: Command, ctx: AuditCliContext): void {
  const audit = shield.command("audit").description("the tamper-evident audit trail of decisions");
  audit
    .command("verify")
    .description("re-check a tenant's hash chain; exit 1 naming the first broken record")
    .requiredOption("--tenant <id>", "the tenant")
    .option("--from <seq>", "start at the stored checkpoint of this seq", parseSeq)
    .option("--anchors <file>", 'checkpoint hashes kept elsewhere: a JSON array of {"seq", "hash"}')
    .option("--json", "one JSON object: {ok, records, head, firstBroken?: {seq, reason}}")
    .action((o) => auditVerifyCommand(ctx, o));
  audit
    .command("export")
    .description("write a tenant's audit trail as CSV or JSON")
    .requiredOption("--tenant <id>", "the tenant")
    .requiredOption("--format <format>", "csv or json")
    .option("--out <file>", "write to this file (default: stdout)")
    .action((o) => auditExportCommand(ctx, o));
  audit
    .command("checkpoint")
    .description(
      'write a checkpoint at the chain head now; print {"seq", "hash"} to keep elsewhere',
    )
    .requiredOption("--tenant <id>", "the tenant")
    .action((o) => auditCheckpointCommand(ctx, o));
}
