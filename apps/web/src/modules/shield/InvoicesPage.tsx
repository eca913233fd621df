import { useApi } from "../../app/api.ts";
import { cents, micros, num, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import "./shield.css";
import type { Invoice } from "./types.ts";

/** A ratio in basis points as "4.47×" (always two decimals: "3.00×"). */
const roas = (bps: number | null) => (bps === null ? "–" : `${(bps / 10_000).toFixed(2)}×`);

/**
 * Outcome invoices: per client and period, the spend and value the audit trail holds, the ROAS
 * against the client's baseline, and the share of the additional revenue billed.
 */
export default function InvoicesPage() {
  const { data, error } = useApi<{ data: Invoice[] }>("/shield/invoices?limit=100");
  const rows = data?.data ?? null;
  return (
    <section aria-labelledby="shield-invoices-title">
      <h1 id="shield-invoices-title">Invoices</h1>
      <p className="hint">
        Earnings = share × (value − baseline ROAS × spend), computed from the audit trail's bids and
        outcomes of the period; each invoice names the records it counted. Due adds the corrections:
        earlier periods billed again for outcomes recorded after their invoices.
      </p>
      {error ? <p role="alert">Could not load the invoices: {error}</p> : null}
      {rows !== null && rows.length === 0 ? (
        <p>No invoices yet: `kamiyo shield bill` makes a period's.</p>
      ) : (
        <TableScroll label="Outcome invoices">
          <table className="shield-invoices">
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Client</th>
                <th scope="col">Spend</th>
                <th scope="col">Value</th>
                <th scope="col">ROAS</th>
                <th scope="col">Baseline</th>
                <th scope="col">Additional revenue</th>
                <th scope="col">Share</th>
                <th scope="col">Earnings</th>
                <th scope="col">Corrections</th>
                <th scope="col">Due</th>
                <th scope="col">Audit records</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={12}>Loading…</td>
                </tr>
              ) : (
                rows.map((i) => (
                  <tr key={i.id} data-invoice={i.id}>
                    <th scope="row">
                      {i.period.label}
                      <span className="shield-id">{utc(i.createdAt)}</span>
                    </th>
                    <td>{i.clientId}</td>
                    <td>{micros(i.spendMicros)}</td>
                    <td>{micros(i.ltvMicros)}</td>
                    <td>{roas(i.roasBps)}</td>
                    <td>{roas(i.baselineRoasBps)}</td>
                    <td>{cents(Number(i.additionalRevenueCents))}</td>
                    <td>{num(i.shareBps / 100, 2)} %</td>
                    <td data-earnings>{cents(i.earningsCents)}</td>
                    <td data-corrections={i.corrections.length}>
                      {i.corrections.length === 0
                        ? "–"
                        : i.corrections
                            .map((c) => `${c.period.label}: ${cents(c.amountCents)}`)
                            .join(", ")}
                    </td>
                    <td data-due>{cents(i.amountDueCents)}</td>
                    <td>
                      {i.audit.firstSeq === null
                        ? "none"
                        : `#${i.audit.firstSeq}–#${i.audit.lastSeq}`}
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </TableScroll>
      )}
    </section>
  );
}
