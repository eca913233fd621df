import {
  type FeatureId,
  GB,
  type Limits,
  type MeterId,
  type Plan,
  type ProductId,
} from "./plan.ts";

/** How a limit reads in a table, by key: its label and how its value is shown. */
const LIMIT_LABELS: Record<keyof Limits, [string, (n: number) => string]> = {
  apiCallsPerDay: ["API calls a day", count],
  requestsPerMinute: ["requests a minute", count],
  alertsPerDay: ["alerts a day", count],
  webhooks: ["webhook endpoints", count],
  historyDays: ["history kept", (n) => `${count(n)} days`],
  eventsPerDay: ["events a day", count],
  rcaQueriesPerPeriod: ["RCA queries a month", count],
  storageBytes: ["storage", (n) => `${count(n / GB)} GB`],
  protocols: ["protocols", count],
};

const FEATURE_LABELS: Record<FeatureId, string> = {
  mlEnsemble: "ML ensemble",
  crossProtocolCorrelation: "cross-protocol correlation",
  socialSentiment: "social sentiment signal",
  customBranding: "custom branding and domain",
  whiteLabel: "white label",
  sso: "SSO",
  rbac: "RBAC",
  auditLogExport: "audit log export",
  sla: "99.9 % SLA",
};

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** How a meter's units read: one, many, and how many units make one (storage counts in GB). */
const METER_UNITS: Record<MeterId, [one: string, many: string, size: number]> = {
  api_calls: ["API call", "API calls", 1],
  alerts_sent: ["alert", "alerts", 1],
  webhook_deliveries: ["webhook delivery", "webhook deliveries", 1],
  events_ingested: ["event", "events", 1],
  rca_queries: ["query", "queries", 1],
  storage_bytes: ["GB stored", "GB stored", GB],
  policy_checks: ["policy check", "policy checks", 1],
};

/** "1,000 events", "query", "GB stored". */
function unit(meter: MeterId, per: number): string {
  const [one, many, size] = METER_UNITS[meter];
  const n = per / size;
  return n === 1 ? one : `${count(n)} ${many}`;
}

/** An amount of a meter as read: "1 event", "2,500 events", "3 queries". */
export function meterAmount(meter: MeterId, n: number): string {
  const [one, many, size] = METER_UNITS[meter];
  const v = n / size;
  return `${count(v)} ${v === 1 ? one : many}`;
}

/** `$99.00`, "free", or "per contract". */
export function price(cents: number | null): string {
  if (cents === null) return "per contract";
  if (cents === 0) return "free";
  return `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`;
}

/** One row of a product's plan comparison: what it compares, and each plan's value as read. */
export interface PlanRow {
  label: string;
  cells: string[];
}

/** A plan's monthly price as read: "$99.00", "free", "per contract", or "no monthly fee" for an outcome share. */
export function monthlyPrice(plan: Plan): string {
  if (plan.monthlyCents === 0 && plan.outcomeShareBps !== null) return "no monthly fee";
  return price(plan.monthlyCents);
}

/**
 * A product's plans compared row by row, as people read them: price, the limits any of them sets
 * ("no limit" where a plan sets none), support, the features they differ in, overage and outcome
 * share. The one wording of docs/plans.md, `GET /plans` and the landing page.
 */
export function planRows(plans: readonly Plan[]): PlanRow[] {
  const limitKeys = (Object.keys(LIMIT_LABELS) as (keyof Limits)[]).filter((k) =>
    plans.some((p) => p.limits[k] !== null),
  );
  const featureKeys = (Object.keys(FEATURE_LABELS) as FeatureId[]).filter((f) =>
    plans.some((p) => p.features[f]),
  );
  const row = (label: string, cells: string[]): PlanRow => ({ label, cells });
  const rows: PlanRow[] = [
    row("price a month", plans.map(monthlyPrice)),
    ...limitKeys.map((k) => {
      const [label, show] = LIMIT_LABELS[k];
      return row(
        label,
        plans.map((p) => (p.limits[k] === null ? "no limit" : show(p.limits[k]))),
      );
    }),
    row(
      "support",
      plans.map((p) => p.support),
    ),
    ...featureKeys.map((f) =>
      row(
        FEATURE_LABELS[f],
        plans.map((p) => (p.features[f] ? "yes" : "-")),
      ),
    ),
  ];
  if (plans.some((p) => p.overage.length > 0))
    rows.push(
      row(
        "overage",
        plans.map(
          (p) =>
            p.overage.map((o) => `${price(o.cents)} per ${unit(o.meter, o.per)}`).join("; ") || "-",
        ),
      ),
    );
  if (plans.some((p) => p.outcomeShareBps !== null))
    rows.push(
      row(
        "share of additional revenue",
        plans.map((p) => (p.outcomeShareBps === null ? "-" : `${p.outcomeShareBps / 100} %`)),
      ),
    );
  return rows;
}

/** A product's plans as a Markdown table (`planRows`). */
export function plansTable(plans: readonly Plan[]): string {
  const head = ["", ...plans.map((p) => `${p.label} (\`${p.id}\`)`)];
  const rows = planRows(plans).map((r) => [r.label, ...r.cells]);
  return [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

/** Every product's plans, one section each, for docs/plans.md. */
export function plansReference(
  products: readonly { id: ProductId; label: string }[],
  plansOf: (p: ProductId) => readonly Plan[],
): string {
  return products
    .map((p) => `### ${p.label} (\`${p.id}\`)\n\n${plansTable(plansOf(p.id))}\n`)
    .join("\n");
}
