import { Link } from "wouter";
import { useApi } from "../../app/api.ts";
import { cents, num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import "./rca.css";
import type { UpcomingInvoice, Usage } from "./types.ts";

/** The catalog's GB (decimal, as the plans price storage). */
const GB = 1_000_000_000;
const METERS: Record<string, string> = {
  events_ingested: "Events ingested",
  rca_queries: "RCA queries",
  storage_bytes: "Storage",
  api_calls: "API calls",
};
/** A meter's amount as people count it: storage in GB, the rest as counts. */
const amount = (meter: string, n: number) =>
  meter === "storage_bytes" ? `${num(n / GB, 2)} GB` : num(n, 0);

interface Subscription {
  product: string;
  plan: string;
  status: string;
  trialEndsAt: string | null;
}

/**
 * The RCA product's usage against its plan's quotas (`GET /usage`): events ingested today, RCA
 * queries and storage this period, API calls today; and the period's estimated bill from the
 * usage so far (`GET /invoices/upcoming?product=rca`, which the invoice is made with).
 */
export default function UsagePage() {
  const usage = useApi<Usage>("/usage", { everyMs: 30_000 });
  const bill = useApi<UpcomingInvoice>("/invoices/upcoming?product=rca", { everyMs: 30_000 });
  const subs = useApi<{ subscriptions: Subscription[] }>("/billing/subscription");
  const sub = subs.data?.subscriptions.find((s) => s.product === "rca") ?? null;
  const meters = (usage.data?.meters ?? []).filter((m) => m.product === "rca");
  const error = usage.error ?? bill.error ?? subs.error;
  return (
    <section aria-labelledby="rca-usage-title">
      <h1 id="rca-usage-title">RCA usage and bill</h1>
      {error ? <p role="alert">Could not load the usage: {error}</p> : null}
      <p className="status" data-plan={sub?.plan ?? "none"}>
        {subs.data === null
          ? "Loading…"
          : sub
            ? `Plan ${sub.plan} (${sub.status}${sub.trialEndsAt ? `, trial until ${sub.trialEndsAt.slice(0, 10)}` : ""}).`
            : "No RCA plan: its API calls count against the platform edition."}{" "}
        <Link href="/account/subscription">Change plan</Link>
      </p>
      <h2>Usage</h2>
      {usage.data && meters.length === 0 ? (
        <p>Nothing used yet, and no RCA plan sets a quota.</p>
      ) : (
        <TableScroll label="RCA usage against the plan's quotas">
          <table className="rca-usage">
            <thead>
              <tr>
                <th scope="col">Meter</th>
                <th scope="col">Used</th>
                <th scope="col">Quota</th>
                <th scope="col">Of the quota</th>
              </tr>
            </thead>
            <tbody>
              {meters.map((m) => {
                const daily = m.quota ? m.quota.per === "day" : m.meter !== "rca_queries";
                const used = daily ? m.today : m.period;
                const share = m.quota && m.quota.limit > 0 ? (used / m.quota.limit) * 100 : null;
                const name = METERS[m.meter] ?? m.meter;
                return (
                  <tr key={m.meter} data-meter={m.meter}>
                    <th scope="row">
                      {name}{" "}
                      <span className="status">
                        {m.meter === "storage_bytes"
                          ? "(largest this period)"
                          : daily
                            ? "today"
                            : "this period"}
                      </span>
                    </th>
                    <td>{amount(m.meter, used)}</td>
                    <td>
                      {m.quota
                        ? `${amount(m.meter, m.quota.limit)} ${m.quota.per === "day" ? "a day" : "a period"}`
                        : "no quota"}
                    </td>
                    <td>
                      {share === null ? (
                        "–"
                      ) : (
                        <span className="rca-share">
                          <meter
                            min={0}
                            max={100}
                            low={80}
                            high={100}
                            optimum={0}
                            value={Math.min(share, 100)}
                            aria-label={`${name}: ${num(share, 1)} % of the quota`}
                          />{" "}
                          {share > 0 && share < 0.1 ? "under 0.1" : num(share, 1)} %
                          {share > 100 ? ", over the quota" : ""}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
      <h2>Estimated bill this period</h2>
      {bill.data ? (
        <>
          <p className="status">
            From {utc(bill.data.periodStart)} to {utc(bill.data.periodEnd)}, with the usage recorded
            up to {utc(bill.data.asOf)}: what the period's invoice holds for RCA if nothing more is
            used.
          </p>
          <TableScroll label="The estimated bill's lines">
            <table className="rca-bill">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody>
                {bill.data.lines.length === 0 ? (
                  <tr>
                    <td colSpan={3}>Nothing to pay: no paid plan and no overage.</td>
                  </tr>
                ) : (
                  bill.data.lines.map((l) => (
                    <tr key={`${l.kind}|${l.plan}|${l.meter}`} data-line={l.kind}>
                      <td>{l.description}</td>
                      <td>{l.meter ? amount(l.meter, l.quantity) : num(l.quantity, 0)}</td>
                      <td>{cents(l.amountCents)}</td>
                    </tr>
                  ))
                )}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={2}>
                    Estimated total
                  </th>
                  <td data-total={bill.data.totalCents}>{cents(bill.data.totalCents)}</td>
                </tr>
              </tfoot>
            </table>
          </TableScroll>
        </>
      ) : bill.error ? null : (
        <p>Loading…</p>
      )}
    </section>
  );
}
