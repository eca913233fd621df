import { useApi } from "./api.ts";
import { cents } from "./format.ts";
import { TableScroll } from "./TableScroll.tsx";

interface Subscription {
  product: string;
  plan: string;
  status: string;
  trialEndsAt: string | null;
  currentPeriodEnd: string;
  cancelAtPeriodEnd: boolean;
}
interface Usage {
  period: { start: string; end: string };
  meters: {
    product: string;
    meter: string;
    period: number;
    today: number;
    quota: { limit: number; per: "day" | "period"; plan: string } | null;
  }[];
}
interface Invoice {
  id: string;
  periodStart: string;
  periodEnd: string;
  status: string;
  totalCents: number;
}

const count = (n: number) => n.toLocaleString("en-US");

/** The tenant's plans, its usage against their quotas, and its invoices. */
export function AccountPage() {
  const billing = useApi<{ subscriptions: Subscription[] }>("/billing/subscription");
  const usageAnswer = useApi<Usage>("/usage");
  const invoiceList = useApi<{ data: Invoice[] }>("/invoices");
  const subs = billing.data?.subscriptions ?? null;
  const usage = usageAnswer.data;
  const invoices = invoiceList.data?.data ?? null;
  const error = billing.error ?? usageAnswer.error ?? invoiceList.error;
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      {error ? <p role="alert">Could not load the account: {error}</p> : null}
      <h2>Plans</h2>
      <TableScroll label="Plans">
        <table className="plans">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Plan</th>
              <th scope="col">Status</th>
              <th scope="col">Period ends</th>
            </tr>
          </thead>
          <tbody>
            {(subs ?? []).map((s) => (
              <tr key={s.product} data-product={s.product}>
                <td>{s.product}</td>
                <td>{s.plan}</td>
                <td>
                  {s.status}
                  {s.trialEndsAt ? ` (trial until ${s.trialEndsAt.slice(0, 10)})` : ""}
                  {s.cancelAtPeriodEnd ? ", ends with the period" : ""}
                </td>
                <td>{s.currentPeriodEnd.slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <h2>Usage</h2>
      <TableScroll label="Usage">
        <table className="usage">
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Meter</th>
              <th scope="col">Today</th>
              <th scope="col">This period</th>
              <th scope="col">Quota</th>
            </tr>
          </thead>
          <tbody>
            {(usage?.meters ?? []).map((m) => (
              <tr key={`${m.product}:${m.meter}`} data-meter={`${m.product}:${m.meter}`}>
                <td>{m.product}</td>
                <td>{m.meter}</td>
                <td>{count(m.today)}</td>
                <td>{count(m.period)}</td>
                <td>
                  {m.quota
                    ? `${count(m.quota.limit)} a ${m.quota.per === "day" ? "day" : "month"} (${m.quota.plan})`
                    : "no quota"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <h2>Invoices</h2>
      {invoices !== null && invoices.length === 0 ? (
        <p>No invoices yet.</p>
      ) : (
        <TableScroll label="Invoices">
          <table className="invoices">
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col">Total</th>
              </tr>
            </thead>
            <tbody>
              {(invoices ?? []).map((i) => (
                <tr key={i.id}>
                  <td>{i.id}</td>
                  <td>
                    {i.periodStart.slice(0, 10)} to {i.periodEnd.slice(0, 10)}
                  </td>
                  <td>{i.status}</td>
                  <td>{cents(i.totalCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
