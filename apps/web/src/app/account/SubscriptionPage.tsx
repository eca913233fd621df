import { useEffect, useState } from "react";
import type { PlanCatalog } from "../../catalog.ts";
import { getJson } from "../api.ts";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Billing } from "./account-types.ts";
import { ProductPlans } from "./ProductPlans.tsx";

/**
 * The tenant's subscriptions beside the catalog (`GET /plans`, the landing page's): change plan,
 * subscribe, cancel, and Stripe's customer portal for payment methods. Where the install does
 * not bill through Stripe, it says so, and each button shows the API's answer.
 */
export function SubscriptionPage() {
  const [catalog, setCatalog] = useState<PlanCatalog | null>(null);
  const [billing, setBilling] = useState<Billing | null>(null);
  const loading = useAction();
  const portal = useAction();
  const run = loading.run;
  useEffect(() => {
    run(async () => {
      const [plans, state] = await Promise.all([
        getJson<PlanCatalog>("/plans"),
        getJson<Billing>("/billing/subscription"),
      ]);
      setCatalog(plans);
      setBilling(state);
    });
  }, [run]);
  return (
    <section aria-labelledby="subscription-title">
      <h1 id="subscription-title">Subscription</h1>
      <FormError error={loading.error} />
      {billing && !billing.stripe ? (
        <p className="notice" data-stripe="off">
          Billing through Stripe is not configured on this install, so plans are set by its
          operator. The buttons below show what the API answers.
        </p>
      ) : null}
      <div className="filters">
        <button
          type="button"
          disabled={portal.busy}
          onClick={() =>
            portal.run(async () => {
              const { url } = await sendJson<{ url: string }>("POST", "/billing/portal");
              window.location.assign(url);
            })
          }
        >
          Manage payment
        </button>
      </div>
      <FormError error={portal.error} />
      {(catalog?.products ?? []).map((p) => (
        <ProductPlans
          key={p.id}
          product={p}
          sub={billing?.subscriptions.find((s) => s.product === p.id)}
          onBilling={setBilling}
        />
      ))}
    </section>
  );
}
