import { useState } from "react";
import { SEVERITIES } from "../types.ts";
import type { FilterDraft } from "./filter-draft.ts";

const TEXT_FIELDS: { name: keyof FilterDraft; label: string; placeholder: string }[] = [
  { name: "detectors", label: "Detectors", placeholder: "oracle, liquidations" },
  { name: "kinds", label: "Finding kinds", placeholder: "deviation" },
  { name: "subjects", label: "Coins, vaults or accounts", placeholder: "BTC, 0x…" },
];
const EXPLOIT_FIELDS: { name: keyof FilterDraft; label: string; placeholder: string }[] = [
  { name: "chains", label: "Chains", placeholder: "Ethereum, BSC" },
  { name: "protocols", label: "Protocols", placeholder: "Euler Finance" },
  { name: "categories", label: "Categories", placeholder: "Access Control" },
];

/**
 * The fields of a webhook's or channel's filter (lists comma-separated). Every field filled must
 * match; all empty, everything is received.
 */
export function FilterFields({
  draft,
  onChange,
}: {
  draft: FilterDraft;
  onChange: (next: FilterDraft) => void;
}) {
  const set = (name: keyof FilterDraft, value: string) => onChange({ ...draft, [name]: value });
  // Open at first when the filter has exploit fields; the reader opens and closes it after.
  const [exploitsOpen] = useState(
    () => EXPLOIT_FIELDS.some((f) => draft[f.name]) || draft.minAmountUsd !== "",
  );
  return (
    <fieldset className="filter-fields">
      <legend>Alerts it receives (empty: all; lists comma-separated)</legend>
      <label>
        Minimum severity
        <select value={draft.minSeverity} onChange={(e) => set("minSeverity", e.target.value)}>
          <option value="">any</option>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {TEXT_FIELDS.map((f) => (
        <label key={f.name}>
          {f.label}
          <input
            value={draft[f.name]}
            placeholder={f.placeholder}
            onChange={(e) => set(f.name, e.target.value)}
          />
        </label>
      ))}
      <details open={exploitsOpen}>
        <summary>Exploit incidents</summary>
        <div className="filter-fields-grid">
          {EXPLOIT_FIELDS.map((f) => (
            <label key={f.name}>
              {f.label}
              <input
                value={draft[f.name]}
                placeholder={f.placeholder}
                onChange={(e) => set(f.name, e.target.value)}
              />
            </label>
          ))}
          <label>
            Loss at least (USD)
            <input
              type="number"
              min={0}
              inputMode="numeric"
              value={draft.minAmountUsd}
              onChange={(e) => set("minAmountUsd", e.target.value)}
            />
          </label>
        </div>
      </details>
    </fieldset>
  );
}
