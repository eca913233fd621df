import { type FormEvent, useState } from "react";
import { sendJson } from "../api-write.ts";
import { FormError } from "../FormError.tsx";
import { SEVERITIES } from "../types.ts";
import { useAction } from "../use-action.ts";
import type { Severity, Silence, SilenceMatchers } from "./alert-types.ts";

/** The longest silence the API takes: 30 days, in minutes. */
const MAX_MINUTES = 30 * 24 * 60;

/**
 * Starts a silence (`POST /silences`): findings matching every matcher given raise no alert until
 * it ends, after a number of minutes or at a time (entered in the browser's time zone).
 */
export function SilenceForm({ onCreated }: { onCreated: (made: Silence) => void }) {
  const [detector, setDetector] = useState("");
  const [kind, setKind] = useState("");
  const [subject, setSubject] = useState("");
  const [severity, setSeverity] = useState<Severity[]>([]);
  const [ends, setEnds] = useState<"duration" | "time">("duration");
  const [minutes, setMinutes] = useState("60");
  const [endsAt, setEndsAt] = useState("");
  const [comment, setComment] = useState("");
  const create = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const matchers: SilenceMatchers = {};
    if (detector.trim()) matchers.detector = detector.trim();
    if (kind.trim()) matchers.kind = kind.trim();
    if (subject.trim()) matchers.subject = subject.trim();
    if (severity.length) matchers.severity = severity;
    const until =
      ends === "duration"
        ? { durationMinutes: Number(minutes) }
        : // datetime-local is the browser's local time; the API takes an absolute ISO time.
          { endsAt: endsAt ? new Date(endsAt).toISOString() : "" };
    create.run(async () => {
      const made = await sendJson<Silence>("POST", "/silences", {
        matchers,
        comment,
        ...until,
      });
      setDetector("");
      setKind("");
      setSubject("");
      setSeverity([]);
      setComment("");
      onCreated(made);
    });
  };

  return (
    <form className="panel stacked" aria-labelledby="add-silence-title" onSubmit={submit}>
      <h2 id="add-silence-title">Add a silence</h2>
      <fieldset>
        <legend>Findings it silences (at least one; every one given must match)</legend>
        <div className="filter-fields-grid">
          <label>
            Detector
            <input
              value={detector}
              placeholder="oracle"
              onChange={(e) => setDetector(e.target.value)}
            />
          </label>
          <label>
            Finding kind
            <input value={kind} placeholder="deviation" onChange={(e) => setKind(e.target.value)} />
          </label>
          <label>
            Coin, vault or account
            <input
              value={subject}
              placeholder="BTC or 0x…"
              onChange={(e) => setSubject(e.target.value)}
            />
          </label>
        </div>
        <fieldset className="inline-choices">
          <legend>Severity (any of)</legend>
          {SEVERITIES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                checked={severity.includes(s)}
                onChange={(e) =>
                  setSeverity(e.target.checked ? [...severity, s] : severity.filter((x) => x !== s))
                }
              />
              {s}
            </label>
          ))}
        </fieldset>
      </fieldset>
      <fieldset>
        <legend>Ends</legend>
        <div className="inline-choices">
          <label className="check">
            <input
              type="radio"
              name="silence-ends"
              checked={ends === "duration"}
              onChange={() => setEnds("duration")}
            />
            after a while
          </label>
          <label className="check">
            <input
              type="radio"
              name="silence-ends"
              checked={ends === "time"}
              onChange={() => setEnds("time")}
            />
            at a time
          </label>
        </div>
        {ends === "duration" ? (
          <label>
            Duration, minutes (1–{MAX_MINUTES.toLocaleString("en-US")})
            <input
              type="number"
              required
              min={1}
              max={MAX_MINUTES}
              value={minutes}
              onChange={(e) => setMinutes(e.target.value)}
            />
          </label>
        ) : (
          <label>
            Ends at (your time zone, within 30 days)
            <input
              type="datetime-local"
              required
              value={endsAt}
              onChange={(e) => setEndsAt(e.target.value)}
            />
          </label>
        )}
      </fieldset>
      <label>
        Reason
        <textarea
          required
          maxLength={500}
          rows={2}
          value={comment}
          placeholder="Maintenance of the oracle feed"
          onChange={(e) => setComment(e.target.value)}
        />
      </label>
      <FormError error={create.error} />
      <div className="buttons">
        <button type="submit" disabled={create.busy}>
          Add silence
        </button>
      </div>
    </form>
  );
}
