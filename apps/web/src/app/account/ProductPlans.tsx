import type { PlanCatalog } from "../../catalog.ts";
import { sendJson } from "../api-write.ts";
import { ConfirmAction } from "../ConfirmAction.tsx";
import { FormError } from "../FormError.tsx";
import { TableScroll } from "../TableScroll.tsx";
import { useAction } from "../use-action.ts";
import type { Billing, Subscription } from "./account-types.ts";
import { when } from "./account-types.ts";

type Product = PlanCatalog["products"][number];

/** A plan's price as the catalog words it (its comparison's first row: "$49.00", "free", …). */
function priceOf(product: Product, index: number): string {
  const cell = product.rows[0]?.cells[index] ?? "";
  return cell.startsWith("$") ? `${cell} a month` : cell;
}

function statusOf(s: Subscription): string {
  const parts: string[] = [s.status];
  if (s.status === "trialing" && s.trialEndsAt) parts.push(`trial until ${when(s.trialEndsAt)}`);
  if (s.cancelAtPeriodEnd) parts.push(`ends ${when(s.currentPeriodEnd)}`);
  else if (s.status !== "canceled") parts.push(`period ends ${when(s.currentPeriodEnd)}`);
  return parts.join(", ");
}

/**
 * One product: its current plan and the catalog's others with their prices. A tenant that pays
 * for the product moves between paid plans with `PATCH /billing/subscription` (prorated); one
 * that does not yet subscribes through Stripe Checkout (`POST /billing/checkout`, then the page
 * it returns). A paid plan is cancelled at the end of its period.
 */
export function ProductPlans({
  product,
  sub,
  onBilling,
}: {
  product: Product;
  sub: Subscription | undefined;
  onBilling: (b: Billing) => void;
}) {
  const action = useAction();
  const current = product.plans.find((p) => p.id === sub?.plan);
  const paying = sub !== undefined && sub.status !== "canceled" && (current?.monthlyCents ?? 0) > 0;
  const titleId = `product-${product.id}`;
  return (
    <section aria-labelledby={titleId} className="product-plans" data-product={product.id}>
      <h2 id={titleId}>{product.label}</h2>
      <p data-current="">
        {sub ? (
          <>
            Current plan: <strong>{current?.label ?? sub.plan}</strong> ({statusOf(sub)})
          </>
        ) : (
          "Not subscribed."
        )}
      </p>
      <TableScroll label={`${product.label} plans`}>
        <table>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Price</th>
              <th scope="col">
                <span className="visually-hidden">Change</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {product.plans.map((plan, index) => (
              <tr key={plan.id} data-plan={plan.id}>
                <td>{plan.label}</td>
                <td>{priceOf(product, index)}</td>
                <td className="actions">
                  {plan.id === sub?.plan && sub.status !== "canceled" ? (
                    "Current plan"
                  ) : plan.monthlyCents === null ? (
                    "Ask us for a contract"
                  ) : plan.monthlyCents === 0 ? (
                    paying ? (
                      "Cancel the paid plan to return to it"
                    ) : (
                      ""
                    )
                  ) : paying ? (
                    <ConfirmAction
                      label={`Change to ${plan.label}`}
                      confirmLabel="Change plan"
                      question={`Move ${product.label} to ${plan.label} (${priceOf(product, index)})? The rest of this period is prorated on the next invoice.`}
                      onConfirm={() =>
                        action.run(async () =>
                          onBilling(
                            await sendJson<Billing>("PATCH", "/billing/subscription", {
                              plan: plan.id,
                            }),
                          ),
                        )
                      }
                    />
                  ) : (
                    <button
                      type="button"
                      disabled={action.busy}
                      onClick={() =>
                        action.run(async () => {
                          const { url } = await sendJson<{ url: string }>(
                            "POST",
                            "/billing/checkout",
                            { plan: plan.id },
                          );
                          window.location.assign(url);
                        })
                      }
                    >
                      Subscribe to {plan.label}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      {paying && sub && !sub.cancelAtPeriodEnd ? (
        <ConfirmAction
          label={`Cancel ${current?.label ?? sub.plan}`}
          confirmLabel="Cancel at period end"
          question={`Cancel ${product.label} ${current?.label ?? sub.plan}? It keeps working until ${when(sub.currentPeriodEnd)}, then ends.`}
          onConfirm={() =>
            action.run(async () =>
              onBilling(
                await sendJson<Billing>(
                  "DELETE",
                  `/billing/subscription/${product.id}?atPeriodEnd=true`,
                ),
              ),
            )
          }
        />
      ) : null}
      <FormError error={action.error} />
    </section>
  );
}
