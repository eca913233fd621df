import { readFile } from "node:fs/promises";
import type { ApiModule } from "@kamiyo/api";
import { SystemClock } from "@kamiyo/core";
import { TenantModels } from "../grpc/tenant-models.ts";
import { LtvPool } from "../ltv/ltv-pool.ts";
import { PolicyChecker } from "../policy/policy-checker.ts";
import { shieldSettings } from "../settings.ts";
import { Bidder } from "../syncflow/bidder.ts";
import { PlatformConnections } from "../syncflow/credentials/platform-connections.ts";
import { registerSyncflowMetrics } from "../syncflow/metrics.ts";
import { policyBidGate } from "../syncflow/policy-bid-gate.ts";
import { syncflowFromSettings } from "../syncflow/syncflow-from-settings.ts";
import { auditRoutes } from "./audit-routes.ts";
import { bidRoutes } from "./bid-routes.ts";
import { ltvRoutes } from "./ltv-routes.ts";
import { outcomeRoutes } from "./outcome-routes.ts";
import { platformRoutes } from "./platform-routes.ts";
import { policyRoutes } from "./policy-routes.ts";

/**
 * Shield in the HTTP API (product `shield`): its routes under `/shield/`, each file in this folder
 * a group registered here (`ltv-routes.ts`: predictions and models; `audit-routes.ts`: the audit
 * trail; `outcome-routes.ts`: outcomes, billing terms, invoices; `policy-routes.ts`: policies,
 * clients, campaigns, checks, decisions; `platform-routes.ts`: each tenant's ad-platform
 * credentials; `bid-routes.ts`: bids through SyncFlow's bidder), and its
 * gRPC services beside
 * them on SHIELD_GRPC_PORT (when set), with the same keys, scopes and failed-authentication limit
 * as HTTP.
 */
export const shieldApi: ApiModule = {
  id: "shield",
  product: "shield",
  tags: [
    {
      name: "shield",
      description:
        "Ad-spend governance: customers' predicted lifetime value, the policy check every bid passes, the audit trail of decisions, outcome billing",
    },
  ],
  async routes(app, ctx) {
    const settings = shieldSettings.parse(ctx.settings ?? {});
    const { deps } = ctx;
    // One cache of each tenant's active model, for HTTP and gRPC alike.
    const models = new TenantModels(deps.db, () => deps.clock.now());
    const predicted = ctx.counter({
      name: "syncvalue_predicted_ltv_total",
      help: "Lifetime value predicted by SyncValue (HTTP and gRPC), summed in micros of the models' currency, by tenant",
      labelNames: ["tenant"],
    });
    // In micros, as SyncFlow's spend: their ratio is the Command Center's LTV momentum.
    const countLtv = (tenant: string, sum: number) => {
      if (sum > 0) predicted.inc({ tenant }, Math.round(sum * 1_000_000));
    };
    ltvRoutes(app, deps, { models, countLtv });
    auditRoutes(app, deps);
    outcomeRoutes(app, deps);
    // One per process: the checks arriving together are committed together.
    const checker = new PolicyChecker({
      db: deps.requestDb ?? deps.db,
      now: () => deps.clock.now(),
      models,
    });
    policyRoutes(app, deps, checker);
    // SyncFlow: bids checked by the same checker, sent with each tenant's own credentials (the
    // install's own tenant may use the settings' instead). Pacing and pauses are wall time
    // whatever the API's clock.
    const flow = syncflowFromSettings(settings);
    const connections = new PlatformConnections({
      db: deps.requestDb ?? deps.db,
      box: deps.secrets ?? null,
      apps: flow.apps,
      install: { tenantId: deps.tenantId, credentials: flow.installCredentials },
    });
    platformRoutes(app, deps, connections, { verifyTimeoutMs: settings.syncflowTimeoutMs });
    const bidder = new Bidder({
      db: deps.requestDb ?? deps.db,
      gate: policyBidGate(checker),
      platforms: connections,
      lanes: flow.lanes,
      clock: new SystemClock(),
    });
    registerSyncflowMetrics(ctx.gauge, bidder);
    bidRoutes(app, bidder);
    ctx.onClose(() => bidder.close());
    if (settings.grpcPort === undefined) return;
    // gRPC is loaded only where it is served (grpc-js and the protos cost start-up time).
    const [{ GrpcAccess }, { startShieldGrpcServer }, { syncShieldService }, { syncValueService }] =
      await Promise.all([
        import("../grpc/grpc-access.ts"),
        import("../grpc/shield-grpc-server.ts"),
        import("../grpc/sync-shield-service.ts"),
        import("../grpc/sync-value-service.ts"),
      ]);
    const access = new GrpcAccess({ auth: ctx.auth, authFailure: ctx.authFailure, log: deps.log });
    // Large PredictBatch calls' lifetime values on worker threads (started on the first one).
    const pool = new LtvPool();
    const server = await startShieldGrpcServer({
      services: [
        syncValueService({ access, models, countLtv, pool }),
        syncShieldService({ access, checker }),
      ],
      host: settings.grpcHost,
      port: settings.grpcPort,
      ...(settings.grpcTlsCertFile &&
        settings.grpcTlsKeyFile && {
          tls: {
            certChain: await readFile(settings.grpcTlsCertFile),
            privateKey: await readFile(settings.grpcTlsKeyFile),
          },
        }),
      log: deps.log,
    });
    ctx.onClose(async () => {
      await server.close();
      await pool.close();
    });
  },
};
