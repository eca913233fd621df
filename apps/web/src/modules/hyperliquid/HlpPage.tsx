import { useMemo, useState } from "react";
import { useApi } from "../../app/api.ts";
import { TimeChart } from "../../app/charts/TimeChart.tsx";
import { FindingLinks } from "../../app/FindingLinks.tsx";
import { num, pct, usd, utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { HlpVault, VaultHistory } from "./types.ts";

const RANGES = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
type Range = keyof typeof RANGES;
const WINDOWS = ["1h", "24h", "7d", "30d"] as const;

/** Drawdown at each point: how far below its highest account value so far, in percent. */
export function drawdownPct(values: (number | null)[]): (number | null)[] {
  let peak = Number.NEGATIVE_INFINITY;
  return values.map((v) => {
    if (v === null) return null;
    peak = Math.max(peak, v);
    return peak > 0 ? ((v - peak) / peak) * 100 : 0;
  });
}

/**
 * The HLP vault family: each vault's account value, PnL and drawdown now; the chosen vault's
 * account value, cumulative PnL and drawdown over time; the liquidator vaults' positions.
 */
export default function HlpPage() {
  const { data, error } = useApi<HlpVault>("/security/hlp-vault", { everyMs: 10_000 });
  const [vault, setVault] = useState("");
  const [range, setRange] = useState<Range>("24h");
  // The API's last 24 h by default; a longer range starts from the API's time when chosen (a
  // replayed incident's time in the demo), so the address stays put while the page refreshes.
  const [since, setSince] = useState<string | null>(null);
  const chosen = vault || data?.parent?.vault || "";
  const query = new URLSearchParams({ vault: chosen, limit: "500" });
  if (since) query.set("since", since);
  const historyPath = chosen ? `/security/hlp-vault/history?${query}` : null;
  const history = useApi<VaultHistory>(historyPath, { everyMs: 10_000 });
  const charts = useMemo(() => {
    const points = history.data?.points ?? [];
    const values = points.map((p) => p.accountValueUsd);
    return {
      times: points.map((p) => Date.parse(p.at)),
      value: [{ label: "Account value", values }],
      pnl: [{ label: "Cumulative PnL", values: points.map((p) => p.cumulativePnlUsd) }],
      drawdown: [{ label: "Drawdown", values: drawdownPct(values) }],
    };
  }, [history.data]);
  // The parent first, then the rest of the family (which may list the parent too).
  const parent = data?.parent ?? null;
  const vaults = data
    ? [...(parent ? [parent] : []), ...data.family.filter((v) => v.vault !== parent?.vault)]
    : [];

  return (
    <section aria-labelledby="hlp-title">
      <h1 id="hlp-title">HLP vault family</h1>
      {error && !data ? <p role="alert">Could not load the vaults: {error}</p> : null}
      <p className="status">{data ? `As of ${utc(data.asOf)}` : "Loading…"}</p>
      <TableScroll label="Each vault of the family">
        <table>
          <caption className="visually-hidden">Each vault of the family now</caption>
          <thead>
            <tr>
              <th scope="col">Vault</th>
              <th scope="col">Role</th>
              <th scope="col">Account value</th>
              {WINDOWS.map((w) => (
                <th scope="col" key={w}>
                  PnL {w}
                </th>
              ))}
              <th scope="col">Drawdown</th>
              <th scope="col">Max drawdown 30d</th>
              <th scope="col">Positions</th>
              <th scope="col">Unrealised PnL</th>
            </tr>
          </thead>
          <tbody>
            {vaults.map((v) => (
              <tr key={v.vault}>
                <th scope="row">{v.name}</th>
                <td>{v.role}</td>
                <td>{usd(v.accountValueUsd)}</td>
                {WINDOWS.map((w) => (
                  <td key={w}>{usd(v.pnlUsd[w])}</td>
                ))}
                <td>{pct(v.drawdownPct)}</td>
                <td>{pct(v.maxDrawdown30dPct)}</td>
                <td>{v.openPositions}</td>
                <td>{usd(v.unrealizedPnlUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>

      <h2>Over time</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Vault{" "}
          <select value={chosen} onChange={(e) => setVault(e.target.value)}>
            {vaults.map((v) => (
              <option key={v.vault} value={v.vault}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Range{" "}
          <select
            value={range}
            onChange={(e) => {
              const r = e.target.value as Range;
              setRange(r);
              const asOf = data ? Date.parse(data.asOf) : Date.now();
              setSince(r === "24h" ? null : new Date(asOf - RANGES[r]).toISOString());
            }}
          >
            {Object.keys(RANGES).map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
      </form>
      {history.error ? <p role="alert">Could not load the history: {history.error}</p> : null}
      <div className="charts">
        <TimeChart title="Account value" times={charts.times} series={charts.value} format={usd} />
        <TimeChart title="Cumulative PnL" times={charts.times} series={charts.pnl} format={usd} />
        <TimeChart
          title="Drawdown from the highest value"
          times={charts.times}
          series={charts.drawdown}
          format={(n) => pct(n)}
        />
      </div>

      <h2>Liquidator positions</h2>
      {data && data.liquidatorPositions.length === 0 ? (
        <p className="status">The liquidator vaults hold no positions.</p>
      ) : (
        <TableScroll label="Liquidator positions">
          <table>
            <thead>
              <tr>
                <th scope="col">Vault</th>
                <th scope="col">Coin</th>
                <th scope="col">Side</th>
                <th scope="col">Size</th>
                <th scope="col">Entry</th>
                <th scope="col">Value</th>
                <th scope="col">Unrealised PnL</th>
                <th scope="col">Liquidation price</th>
              </tr>
            </thead>
            <tbody>
              {(data?.liquidatorPositions ?? []).map((p) => (
                <tr key={`${p.vault}-${p.coin}`}>
                  <th scope="row">{p.vaultName}</th>
                  <td>{p.coin}</td>
                  <td>{p.side}</td>
                  <td>{num(p.size, 4)}</td>
                  <td>{num(p.entryPx, 4)}</td>
                  <td>{usd(p.positionValueUsd)}</td>
                  <td>{usd(p.unrealizedPnlUsd)}</td>
                  <td>{num(p.liquidationPx, 4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}

      <h2>Open HLP findings</h2>
      <FindingLinks findings={data?.openFindings ?? []} empty="No open HLP finding." />
    </section>
  );
}
