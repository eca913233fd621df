import {
  closeInvoices,
  reportPendingUsage,
  StripeBilling,
  stripeClient,
  syncCatalog,
} from "@kamiyo/billing/stripe";
import type { Logger } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { CliError, type CliIo } from "@kamiyo/platform";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";

/** Billing through Stripe for this install, or null without STRIPE_SECRET_KEY. */
export function stripeBilling(config: AppConfig, db: Db, log: Logger): StripeBilling | null {
  const secretKey = config.stripe.secretKey;
  if (!secretKey) return null;
  return new StripeBilling({
    db,
    stripe: stripeClient({ ...config.stripe, secretKey }),
    config: config.stripe,
    log,
    now: () => Date.now(),
  });
}

/**
 * `kamiyo billing sync`: Stripe's products, prices and meters made to match the catalog (safe to
 * run again). `kamiyo billing close`: ended billing periods closed into invoices (overage put on
 * Stripe invoices), and usage not yet reported sent as meter events; `kamiyo serve` does this
 * every hour by itself.
 */
export async function billingCommand(
  config: AppConfig,
  action: "sync" | "close",
  stdio: CliIo,
): Promise<void> {
  const log = appLogger(config, stdio);
  const db = await openStorage(config, log);
  try {
    const billing = stripeBilling(config, db, log);
    if (action === "sync") {
      if (!billing) throw new CliError("STRIPE_SECRET_KEY is not set: nothing to sync with");
      const done = await syncCatalog(billing.stripe);
      stdio.out(
        `${Object.keys(done.prices).length} paid plans priced in Stripe; created ${done.created.length ? done.created.join(", ") : "nothing"}; updated ${done.updated.length ? done.updated.join(", ") : "nothing"}\n`,
      );
      return;
    }
    const invoices = await closeInvoices(db, billing, Date.now(), log);
    const reported = billing ? await reportPendingUsage(db, billing) : 0;
    stdio.out(`${invoices} invoices closed; ${reported} usage events reported to Stripe\n`);
  } finally {
    await db.close();
  }
}
