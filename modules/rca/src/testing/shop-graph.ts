import type { Db } from "@kamiyo/db";
import { applyWatchBatch, replaceCallEdges } from "../store/write-graph.ts";
import { clusterWatch, faultsWatch } from "./k8s-fixtures.ts";

/**
 * Stores the fixture namespace as the graph of the tenant whose view `tenant` is: its objects at
 * `t0`, their faults (OOMKill, ImagePullBackOff, a NotReady node, an unavailable replica) at `t1`,
 * and the shop's call graph from traces (frontend → cart → redis) at `t0`.
 */
export async function storeShopGraph(tenant: Db, t0: Date, t1: Date): Promise<void> {
  await applyWatchBatch(tenant, clusterWatch(), t0);
  await applyWatchBatch(tenant, faultsWatch(), t1);
  await replaceCallEdges(
    tenant,
    "traces",
    [
      { namespace: "shop", source: "frontend", target: "cart" },
      { namespace: "shop", source: "cart", target: "redis" },
    ],
    t0,
  );
}
