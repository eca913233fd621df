import { subscriptionsOf, usageJson, usageReport } from "@kamiyo/billing";
import type { CliIo } from "@kamiyo/platform";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { tenantFor } from "./tenant.ts";

/**
 * `kamiyo usage [--tenant ID] [--json]`: a tenant's usage today and in its current billing
 * period, per product and meter, against its plans' quotas (what `GET /usage` answers).
 */
export async function usageCommand(
  config: AppConfig,
  o: { tenant?: string; json?: boolean },
  stdio: CliIo,
): Promise<void> {
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const tenantId = await tenantFor(db, o.tenant);
    const now = Date.now();
    const r = await usageReport(db, tenantId, await subscriptionsOf(db, tenantId), now);
    const json = usageJson(r);
    if (o.json) {
      stdio.out(`${JSON.stringify({ tenantId, ...json })}\n`);
      return;
    }
    stdio.out(`${tenantId}: period ${json.period.start} to ${json.period.end}\n`);
    for (const m of r.meters) {
      const quota = m.quota
        ? `${(m.quota.per === "day" ? m.today : m.period).toLocaleString("en-US")} of ${m.quota.limit.toLocaleString("en-US")} a ${m.quota.per} (${m.quota.plan})`
        : "no quota";
      stdio.out(
        `${m.product.padEnd(9)} ${m.meter.padEnd(19)} today ${String(m.today).padStart(9)}  period ${String(m.period).padStart(10)}  ${quota}\n`,
      );
    }
  } finally {
    await db.close();
  }
}
