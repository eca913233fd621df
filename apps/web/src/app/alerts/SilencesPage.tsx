import { useCallback, useEffect, useState } from "react";
import { getJson } from "../api.ts";
import { sendJson } from "../api-write.ts";
import { ConfirmAction } from "../ConfirmAction.tsx";
import { FormError } from "../FormError.tsx";
import { useAction } from "../use-action.ts";
import type { Page, Silence } from "./alert-types.ts";
import { describeMatchers, utcMinute } from "./format.ts";
import { SilenceForm } from "./SilenceForm.tsx";

/** How many ended silences are shown (the newest). */
const ENDED_SHOWN = 20;

function SilenceTable({
  silences,
  empty,
  onEnd,
}: {
  silences: Silence[] | null;
  empty: string;
  onEnd?: (s: Silence) => void;
}) {
  const cols = onEnd ? 5 : 4;
  return (
    <div className="table-scroll">
      <table className="silences stack">
        <thead>
          <tr>
            <th scope="col">Matches</th>
            <th scope="col">Reason</th>
            <th scope="col">By</th>
            <th scope="col">From – until</th>
            {onEnd ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {(silences ?? []).map((s) => (
            <tr key={s.id} data-silence={s.id}>
              <td>{describeMatchers(s.matchers)}</td>
              <td data-label="Reason">{s.comment}</td>
              <td data-label="By">{s.createdBy}</td>
              <td data-label="From – until">
                <time dateTime={s.startsAt}>{utcMinute(s.startsAt)}</time> –{" "}
                <time dateTime={s.endsAt}>{utcMinute(s.endsAt)}</time>
              </td>
              {onEnd ? (
                <td>
                  <ConfirmAction
                    label="End now"
                    question="End this silence now?"
                    confirmLabel="Yes, end it"
                    onConfirm={() => onEnd(s)}
                  />
                </td>
              ) : null}
            </tr>
          ))}
          {silences !== null && silences.length === 0 ? (
            <tr>
              <td colSpan={cols}>{empty}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Silences: those in force now (each can be ended), the latest ended ones, and a form to add one.
 * Ending a silence is what the API's DELETE does; it stays listed among the ended.
 */
export function SilencesPage() {
  const [active, setActive] = useState<Silence[] | null>(null);
  const [ended, setEnded] = useState<Silence[] | null>(null);
  const act = useAction();

  const load = useCallback(() => {
    act.run(async () => {
      const [now, past] = await Promise.all([
        getJson<Page<Silence>>("/silences?active=true&limit=500"),
        getJson<Page<Silence>>(`/silences?active=false&limit=${ENDED_SHOWN}`),
      ]);
      setActive(now.data);
      setEnded(past.data);
    });
  }, [act.run]);
  useEffect(load, [load]);

  return (
    <section aria-labelledby="silences-title">
      <h1 id="silences-title">Silences</h1>
      <p className="lede">
        While a silence is in force, findings it matches raise no alert on any channel or webhook.
      </p>
      <FormError error={act.error} />
      <h2>In force</h2>
      <SilenceTable
        silences={active}
        empty="No silence in force."
        onEnd={(s) =>
          act.run(async () => {
            await sendJson("DELETE", `/silences/${s.id}`);
            load();
          })
        }
      />
      <SilenceForm onCreated={load} />
      <h2>Ended</h2>
      <SilenceTable silences={ended} empty="None ended yet." />
    </section>
  );
}
