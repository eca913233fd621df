import { useEffect, useState } from "react";
import { useApi } from "../../app/api.ts";
import { sendJson } from "../../app/api-write.ts";
import { FormError } from "../../app/FormError.tsx";
import { micros, pct, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import { useAction } from "../../app/use-action.ts";
import "./shield.css";
import type { Campaign } from "./types.ts";

/** The share of the period's budget spent, 0–100 (over 100 when reservations passed it). */
const burn = (c: Campaign) => (c.budgetMicros > 0 ? (100 * c.spentMicros) / c.budgetMicros : 0);

function KillSwitchButton({ campaign, onDone }: { campaign: Campaign; onDone: () => void }) {
  const action = useAction();
  const turn = () => {
    if (action.busy) return;
    return action.run(async () => {
      await sendJson("PUT", `/shield/campaigns/${encodeURIComponent(campaign.id)}/kill-switch`, {
        on: !campaign.killed,
        ...(campaign.killed ? {} : { reason: "stopped from the dashboard" }),
      });
      onDone();
    });
  };
  return (
    <>
      <button
        type="button"
        className={campaign.killed ? undefined : "danger"}
        // Not `disabled` while busy: a disabled button loses the keyboard's focus.
        aria-disabled={action.busy}
        onClick={turn}
        aria-label={`${campaign.killed ? "Resume bids of" : "Stop bids of"} ${campaign.name}`}
      >
        {campaign.killed ? "Resume bids" : "Stop bids"}
      </button>
      <FormError error={action.error} />
    </>
  );
}

/**
 * The tenant's campaigns: each period's budget, what allowed bids reserved of it (the burn), and
 * its kill switch, which stops every bid of the campaign at the policy check.
 */
export default function CampaignsPage() {
  const [generation, setGeneration] = useState(0);
  // Read again every 10 s (bids keep spending), and at once after a kill switch is turned.
  const { data, error } = useApi<{ data: Campaign[] }>(() => "/shield/campaigns", {
    key: String(generation),
    everyMs: 10_000,
  });
  // The last answer stays shown while the next is read (useApi empties it when the key changes):
  // the table does not blink, and the button just turned keeps the focus.
  const [rows, setRows] = useState<Campaign[] | null>(null);
  useEffect(() => {
    if (data) setRows(data.data);
  }, [data]);
  return (
    <section aria-labelledby="shield-campaigns-title">
      <h1 id="shield-campaigns-title">Campaigns</h1>
      <p className="hint">
        Every bid passes the policy check: it is allowed while its campaign's period budget, pacing
        and ROAS floor allow it, and never while a kill switch is on.
      </p>
      {error ? <p role="alert">Could not load the campaigns: {error}</p> : null}
      {rows !== null && rows.length === 0 ? (
        <p>No campaigns yet: add them with POST /shield/campaigns.</p>
      ) : (
        <TableScroll label="Campaigns">
          <table className="shield-campaigns">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Client</th>
                <th scope="col">Period</th>
                <th scope="col">Budget</th>
                <th scope="col">Spent</th>
                <th scope="col">Burn</th>
                <th scope="col">Bids</th>
              </tr>
            </thead>
            <tbody>
              {rows === null ? (
                <tr>
                  <td colSpan={7}>Loading…</td>
                </tr>
              ) : (
                rows.map((c) => (
                  <tr key={c.id} data-campaign={c.id} data-killed={c.killed}>
                    <th scope="row">
                      {c.name}
                      <span className="shield-id">{c.id}</span>
                    </th>
                    <td>{c.clientId}</td>
                    <td>
                      {c.period} from {utc(c.periodStart)}
                    </td>
                    <td>{micros(c.budgetMicros)}</td>
                    <td>{micros(c.spentMicros)}</td>
                    <td className="shield-burn">
                      <meter
                        min={0}
                        max={100}
                        high={80}
                        optimum={0}
                        value={Math.min(100, burn(c))}
                        aria-label={`${c.name}: ${pct(burn(c), 1)} of the budget spent`}
                      />{" "}
                      {pct(burn(c), 1)}
                    </td>
                    <td>
                      {c.killed ? (
                        <p className="shield-killed">
                          Stopped{c.killReason ? `: ${c.killReason}` : ""}
                        </p>
                      ) : null}
                      <KillSwitchButton campaign={c} onDone={() => setGeneration((g) => g + 1)} />
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
