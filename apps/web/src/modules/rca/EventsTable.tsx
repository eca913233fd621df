import { Link } from "wouter";
import { utc } from "../../app/format.ts";
import { TableScroll } from "../../app/TableScroll.tsx";
import type { RcaEvent } from "./types.ts";

/** Events on resources, newest first; with `showResource`, each names (and links) its resource. */
export function EventsTable({
  label,
  events,
  showResource = false,
}: {
  label: string;
  events: RcaEvent[];
  showResource?: boolean;
}) {
  const newest = [...events].reverse();
  return (
    <TableScroll label={label}>
      <table className="rca-events">
        <caption className="visually-hidden">{label}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Severity</th>
            <th scope="col">Reason</th>
            {showResource ? <th scope="col">Resource</th> : null}
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {newest.map((e) => (
            <tr key={e.id} data-event={e.reason}>
              <td className="nowrap">{utc(e.occurredAt)}</td>
              <td className={`sev sev-${e.severity}`}>{e.severity}</td>
              <td>{e.reason}</td>
              {showResource ? (
                <td>
                  <Link href={`/rca/resources/${e.resource}`}>{e.resource}</Link>
                </td>
              ) : null}
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
