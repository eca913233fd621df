import type { DeliveryWorkerStats, Resolver } from "@kamiyo/alerts";
import type { EditionId } from "@kamiyo/billing";
import type { StripeBilling } from "@kamiyo/billing/stripe";
import type { Clock, Logger, SecretBox } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import type { AnyMonitorConfig, Monitor, PipelinePlugins } from "@kamiyo/monitor";
import type { ApiModule } from "./api-module.ts";
import type { FindingFeed } from "./feed.ts";

/** What the API runs on, wired by the app's composition root. */
export interface ApiDeps {
  db: Db;
  /**
   * Where tenant transactions run (`tenantDb`): a connection logged in as a member of
   * `kamiyo_app` (DATABASE_APP_URL). Default `db`, switching to `kamiyo_app` per transaction.
   */
  requestDb?: Db;
  log: Logger;
  clock: Clock;
  tenantId: string;
  /** The monitor in this process, or null for an API-only process (`kamiyo serve --role api,deliver`). */
  monitor: Monitor | null;
  /** The monitor settings the app composed (each module reads its own plug-ins' slots). */
  monitorConfig: AnyMonitorConfig;
  /** The edition this install runs (DEPLOYMENT_MODE). */
  plan: EditionId;
  feed: FindingFeed;
  version: string;
  /** Clock time the process started, epoch ms. */
  startedAt: number;
  /**
   * Resolves webhook host names when an endpoint is saved (default: the system resolver,
   * `dns.lookup`); tests pass a fixed one at this seam.
   */
  resolveHost?: Resolver;
  /** The monitor's plug-ins as the app composed them (`/meta` lists them). Default none. */
  plugins?: {
    detectors: readonly PluginInfo[];
    sources: readonly PluginInfo[];
  };
  /** The product modules whose routes this API serves (default none). */
  modules?: readonly ApiModule[];
  /** Each module's parsed settings, by module id (what its `ApiModuleContext.settings` is). */
  moduleSettings?: Readonly<Record<string, unknown>>;
  /** Chains the install's monitor watches (`/chains` lists them first). */
  monitoredChains?: readonly { chain: string; name: string }[];
  /**
   * Redis for the rate-limit and quota counters, shared by every replica (REDIS_URL); unset: each
   * process counts in memory.
   */
  redisUrl?: string | null;
  /**
   * Billing through Stripe (STRIPE_SECRET_KEY), and the webhook's signing secret; null or unset:
   * the billing routes that need Stripe answer 404.
   */
  billing?: { service: StripeBilling; webhookSecret: string | null } | null;
  /**
   * Set by `kamiyo serve --demo`: the recording it replays into a temporary database, which
   * `/meta` reports so the dashboard can say that what it shows is a replay.
   */
  demo?: DemoInfo | null;
  /**
   * The install's key ring (KAMIYO_SECRET_KEYS), which secrets stored for a tenant are sealed
   * with (a tenant's ad-platform credentials, its alert channels' secrets); null or unset: routes
   * that would store a credential answer 409, and channels' secrets are stored as given.
   */
  secrets?: SecretBox | null;
  /** Tells an in-process delivery worker that deliveries are due now (a test send, a replay). */
  wakeDeliveries?: () => void;
  /** The in-process delivery worker's counters (`/metrics`); unset: this process delivers nothing. */
  deliveryStats?: () => DeliveryWorkerStats;
}

/** What `kamiyo serve --demo` plays (`/meta`'s `demo`). */
export interface DemoInfo {
  /** The recording's file name. */
  recording: string;
  /** What it is, from its first line (what is real and what approximate). */
  description: string;
  /** Recorded time per real time. */
  speed: number;
}

/** A source or detector plug-in, as `/meta` describes it. */
export interface PluginInfo {
  kind: string;
  description: string;
}

/** The pipeline's plug-ins as `/meta` lists them: kind and description of each. */
export function pluginCatalog(plugins: PipelinePlugins): NonNullable<ApiDeps["plugins"]> {
  const info = (group: PipelinePlugins["sources"] | PipelinePlugins["detectors"]) =>
    Object.entries(group).map(([kind, p]) => ({ kind, description: p.description }));
  return { detectors: info(plugins.detectors), sources: info(plugins.sources) };
}
