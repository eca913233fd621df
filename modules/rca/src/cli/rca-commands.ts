import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { CliError, type CliIo } from "@kamiyo/platform";
import { KubeConfig } from "@kubernetes/client-node";
import { type Command, InvalidArgumentError } from "commander";
import { HttpTransport } from "../agent/http-transport.ts";
import { NatsTransport } from "../agent/nats-transport.ts";
import { runAgent } from "../agent/run-agent.ts";
import { evaluateStored } from "../nezha/evaluate-stored.ts";
import {
  type Accuracy,
  accuracy,
  loadNezhaDay,
  type NezhaDay,
  resolveNezhaDay,
} from "../nezha/index.ts";
import { createNatsTrust, tenantCredentials } from "../streams/credentials.ts";
import { type OnboardCliContext, onboardCli } from "./onboard-commands.ts";
import { rcaReplayCommand } from "./rca-replay.ts";

/** The agent's version in its health reports. */
const AGENT_VERSION = "0.1.0";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(7);

/** The accuracy as a table: all cases, then each fault type. */
function table(day: string, a: Accuracy): string {
  const lines = [
    `${day}: ${a.cases} injected faults, service-level accuracy`,
    `${"cases".padEnd(18)}${"n".padStart(4)}${"AC@1".padStart(7)}${"AC@3".padStart(7)}${"AC@5".padStart(7)}${"Avg@5".padStart(7)}`,
    `${"all".padEnd(18)}${String(a.cases).padStart(4)}${pct(a.ac1)}${pct(a.ac3)}${pct(a.ac5)}${pct(a.avg5)}`,
    ...Object.entries(a.byFaultType).map(
      ([type, t]) =>
        `${`  ${type}`.padEnd(18)}${String(t.cases).padStart(4)}${pct(t.ac1)}${pct(t.ac3)}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * `kamiyo rca evaluate --nezha DIR [--day D] [--cases N] [--json]`: the RCA query's accuracy on
 * one labelled Nezha fault-injection day, through the product's own path: in a temporary
 * database, the day's pods and call graph go into a tenant's graph and its metrics through the
 * remote-write route's detector, minute by minute, onto the ingest bus and into the store; then
 * one RCA query per injected fault (the window after it, at the entry service), as
 * `POST /rca/analyses` asks it. DIR holds `rca_data/<day>/` and `construct_data/<day>/` (name the
 * day with --day when it holds several), or is the day's `rca_data/<day>` folder itself.
 * `--cases N` asks only the day's first N faults (the metrics are sent up to the last one's window).
 */
export async function rcaEvaluateCommand(
  ctx: Pick<RcaCliContext, "io" | "openTemporaryDb">,
  opts: { nezha: string; day?: string; cases?: number; json?: boolean },
): Promise<void> {
  if (!existsSync(opts.nezha)) throw new CliError(`--nezha: no such folder: ${opts.nezha}`);
  let day: NezhaDay;
  try {
    day = loadNezhaDay(resolveNezhaDay(opts.nezha, opts.day ? { day: opts.day } : {}));
  } catch (err) {
    throw new CliError(`--nezha ${opts.nezha}: ${(err as Error).message}`);
  }
  const cases = day.cases.slice(0, opts.cases ?? day.cases.length);
  const db = await ctx.openTemporaryDb();
  let a: Accuracy;
  try {
    a = accuracy((await evaluateStored(db, day, cases)).results);
  } finally {
    await db.close();
  }
  ctx.io.out(opts.json ? `${JSON.stringify(a)}\n` : table(day.day, a));
}

/** How `kamiyo rca agent` reaches the platform. */
interface AgentCliOptions {
  endpoint?: string;
  keyFile?: string;
  nats?: string;
  tenant?: string;
  creds?: string;
  cluster?: string;
  name?: string;
  kubeconfig?: string;
}

/**
 * `kamiyo rca agent`: runs the RCA agent against the cluster of the kubeconfig (the in-cluster
 * service account when none is given), sending its state and events to the tenant's NATS streams
 * (`--nats --tenant --creds`) or to the HTTP ingest (`--endpoint --key-file`), and with the
 * endpoint reporting its health every minute, until SIGINT or SIGTERM; then sends what it holds
 * and stops.
 */
export async function rcaAgentCommand(ctx: RcaCliContext, opts: AgentCliOptions): Promise<void> {
  const file = (flag: string, path: string) => {
    if (!existsSync(path)) throw new CliError(`${flag}: no such file: ${path}`);
    return readFileSync(path, "utf8");
  };
  if (opts.nats && !(opts.tenant && opts.creds))
    throw new CliError("--nats needs --tenant and --creds (the tenant's NATS credentials)");
  if (Boolean(opts.endpoint) !== Boolean(opts.keyFile))
    throw new CliError("--endpoint and --key-file go together (the key of scope ingest:write)");
  if (!opts.nats && !opts.endpoint)
    throw new CliError(
      "say where to send: --endpoint and --key-file, or --nats with --tenant and --creds",
    );
  const creds = opts.creds ? file("--creds", opts.creds) : undefined;
  const http = opts.endpoint
    ? new HttpTransport({
        endpoint: opts.endpoint,
        key: file("--key-file", opts.keyFile as string).trim(),
      })
    : null;
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new CliError(`--kubeconfig: ${(err as Error).message}`);
  }
  const log = ctx.logger();
  const transport =
    opts.nats && opts.tenant && creds
      ? new NatsTransport({ servers: opts.nats, tenantId: opts.tenant, creds })
      : (http as HttpTransport);
  const agent = await runAgent({
    kubeConfig: kc,
    transport,
    log,
    ...(http
      ? {
          report: {
            http,
            agent: opts.name ?? hostname(),
            ...(opts.cluster ? { cluster: opts.cluster } : {}),
            version: AGENT_VERSION,
          },
        }
      : {}),
  });
  log.info({ to: transport.target }, "rca agent running");
  const beat = setInterval(() => log.info(agent.health(), "rca agent health"), 60_000);
  const why = await new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  clearInterval(beat);
  log.info({ why }, "rca agent stopping: sending what it holds");
  await agent.stop();
}

/**
 * `kamiyo rca nats-trust --out DIR`: makes the NATS operator, ingest account and system account
 * (`createNatsTrust`) and writes `nats-trust.conf` (include it from nats-server.conf),
 * `account.seed` (signs tenants' credentials: keep it with the platform's secrets) and
 * `platform.creds`, the secrets readable by their owner only. Refuses to overwrite.
 */
export async function rcaNatsTrustCommand(io: CliIo, opts: { out: string }): Promise<void> {
  const files = ["nats-trust.conf", "account.seed", "platform.creds"].map((f) => join(opts.out, f));
  const existing = files.filter((f) => existsSync(f));
  if (existing.length > 0)
    throw new CliError(`--out: ${existing.join(", ")} already exist; not overwriting trust`);
  mkdirSync(opts.out, { recursive: true });
  const trust = await createNatsTrust();
  writeFileSync(files[0] as string, `${trust.serverConfig}\n`, { mode: 0o644 });
  writeFileSync(files[1] as string, `${trust.accountSeed}\n`, { mode: 0o600 });
  writeFileSync(files[2] as string, trust.platformCreds, { mode: 0o600 });
  io.out(`${files.join("\n")}\n`);
}

/**
 * `kamiyo rca credentials --tenant ID --account-seed FILE --out FILE [--days N]`: a tenant's
 * agent credentials, signed by the ingest account, valid N days (default 365).
 */
export async function rcaCredentialsCommand(
  io: CliIo,
  opts: { tenant: string; accountSeed: string; out: string; days: number },
): Promise<void> {
  if (!existsSync(opts.accountSeed))
    throw new CliError(`--account-seed: no such file: ${opts.accountSeed}`);
  let creds: string;
  try {
    creds = await tenantCredentials(readFileSync(opts.accountSeed, "utf8").trim(), opts.tenant, {
      expiresAt: Date.now() + opts.days * 86_400_000,
    });
  } catch (err) {
    throw new CliError(`${(err as Error).message}`);
  }
  writeFileSync(opts.out, creds, { mode: 0o600 });
  io.out(`${opts.out}\n`);
}

/** What the RCA commands use of the module CLI context. */
export interface RcaCliContext extends OnboardCliContext {
  logger(): Logger;
  /** A new, empty embedded database with the module's tables, removed when closed. */
  openTemporaryDb(): Promise<Db>;
}

/** `kamiyo rca …`: Kubernetes root-cause analysis's commands. */
export function rcaCli(program: Command, ctx: RcaCliContext): void {
  const io = ctx.io;
  const rca = program.command("rca").description("Kubernetes root-cause analysis");
  rca
    .command("evaluate")
    .description("the RCA query's accuracy on a labelled Nezha fault-injection day")
    .requiredOption(
      "--nezha <dir>",
      "a Nezha day: rca_data/<day> and construct_data/<day> under it",
    )
    .option("--day <date>", "which day, when DIR holds several (YYYY-MM-DD)")
    .option(
      "--cases <n>",
      "only the day's first N faults (a quicker check: metrics are sent up to the last one)",
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1)
          throw new InvalidArgumentError("expected a whole number of faults, 1 or more");
        return n;
      },
    )
    .option("--json", 'one JSON object: {"cases", "ac1", "ac3", "ac5", "avg5", "byFaultType"}')
    .action((o: { nezha: string; day?: string; cases?: number; json?: boolean }) =>
      rcaEvaluateCommand(ctx, o),
    );
  rca
    .command("replay")
    .description(
      "replay a Kubernetes incident through the ingest path and ask the RCA query of its symptom",
    )
    .argument("<incident>", "an incident file (.ndjson or .ndjson.gz), or a shipped incident's id")
    .option("--json", 'one JSON object: {"id", "symptom", "expected", "verdict", "candidates", …}')
    .action((incident: string, o: { json?: boolean }) =>
      rcaReplayCommand(io, incident, o, () => ctx.openTemporaryDb()),
    );
  rca
    .command("nats-trust")
    .description(
      "make the NATS operator and accounts of the ingest streams (once, as the operator)",
    )
    .requiredOption("--out <dir>", "where to write nats-trust.conf, account.seed, platform.creds")
    .action((o: { out: string }) => rcaNatsTrustCommand(io, o));
  rca
    .command("credentials")
    .description("a tenant's agent credentials for its NATS streams")
    .requiredOption("--tenant <id>", "the tenant's id")
    .requiredOption("--account-seed <file>", "account.seed from kamiyo rca nats-trust")
    .requiredOption("--out <file>", "the .creds file to write (owner-only)")
    .option(
      "--days <n>",
      "how long they are valid",
      (v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 3650)
          throw new InvalidArgumentError("expected a whole number of days, 1 to 3650");
        return n;
      },
      365,
    )
    .action((o: { tenant: string; accountSeed: string; out: string; days: number }) =>
      rcaCredentialsCommand(io, o),
    );
  rca
    .command("agent")
    .description("run the RCA agent in a cluster: its state and events to the tenant's streams")
    .option("--endpoint <url>", "the platform's API (HTTP ingest, and where health is reported)")
    .option(
      "--key-file <file>",
      "the agents' API key (scope ingest:write), from the install package",
    )
    .option("--nats <url>", "the platform's NATS server instead, e.g. nats://ingest.example:4222")
    .option("--tenant <id>", "the tenant's id (with --nats)")
    .option("--creds <file>", "the tenant's NATS credentials (with --nats)")
    .option("--cluster <name>", "the cluster's name, as health reports show it")
    .option("--name <name>", "this agent's name (default: the host name, a pod's name)")
    .option(
      "--kubeconfig <file>",
      "the cluster's kubeconfig (default: in-cluster or ~/.kube/config)",
    )
    .action((o: AgentCliOptions) => rcaAgentCommand(ctx, o));
  onboardCli(rca, ctx);
}
