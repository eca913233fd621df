import type { EventEvidence, ResourceEvent } from "../model.ts";

const SEVERITY_RANK = { critical: 2, warning: 1, info: 0 } as const;

/**
 * The events behind a cause, at most `limit`: its own (`cause`: the changes it made, a node's
 * NotReady) first, then those of the failures it explains (`effect`), the strongest failure first
 * and within one the most severe, then the earliest. Events of one resource and reason are one
 * item, the first of them, with their `count`.
 */
export function eventEvidence(
  causes: readonly ResourceEvent[],
  effects: readonly { readonly events: readonly ResourceEvent[]; readonly own: boolean }[],
  limit: number,
): EventEvidence[] {
  const items = new Map<string, EventEvidence>();
  const add = (e: ResourceEvent, role: EventEvidence["role"]) => {
    const key = `${role}|${e.resource}|${e.kind}|${e.reason}`;
    const known = items.get(key);
    if (known) items.set(key, { ...known, count: known.count + 1 });
    else
      items.set(key, {
        resource: e.resource,
        kind: e.kind,
        reason: e.reason,
        severity: e.severity,
        message: e.message,
        at: e.at,
        role,
        count: 1,
      });
  };
  for (const e of [...causes].sort((a, b) => a.at - b.at)) add(e, "cause");
  for (const f of effects)
    for (const e of [...f.events].sort(
      (a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.at - b.at,
    ))
      add(e, f.own ? "cause" : "effect");
  return [...items.values()].slice(0, limit);
}
