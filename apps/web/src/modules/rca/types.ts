/** The RCA API's answers as the pages read them (`modules/rca/src/api/rca-routes.ts`). */

/** The kinds `GET /rca/resources` filters by. */
export const RESOURCE_KINDS = [
  "service",
  "pod",
  "container",
  "node",
  "deployment",
  "replicaset",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
  "endpointslice",
  "configmap",
  "secret",
  "persistentvolumeclaim",
  "ingress",
  "horizontalpodautoscaler",
] as const;

/** A container's state in a resource's status summary. */
export interface ContainerStatus {
  name: string;
  ready: boolean;
  restarts: number;
  state: "running" | "waiting" | "terminated" | "unknown";
  reason?: string;
  lastTermination?: { reason?: string; exitCode?: number; finishedAt?: string };
  image?: string;
}

/** What the graph keeps of an object's status. */
export interface StatusSummary {
  phase?: string;
  conditions?: Record<string, string>;
  readySince?: string;
  containers?: ContainerStatus[];
  replicas?: number;
  available?: number;
  unavailable?: number;
}

/** A node of the knowledge graph (`GET /rca/resources`). */
export interface RcaResource {
  id: string;
  kind: string;
  namespace: string | null;
  name: string;
  service: string | null;
  labels: Record<string, string>;
  status: StatusSummary;
  firstSeenAt: string;
  lastSeenAt: string;
  deletedAt: string | null;
}

export interface Relation {
  type: string;
  from: string;
  to: string;
  weight: number;
}

/** `GET /rca/neighbourhood`. */
export interface Neighbourhood {
  resource: string;
  nodes: { id: string; depth: number; resource: RcaResource | null }[];
  relations: Relation[];
}

/** An event on a resource (`GET /rca/events`). */
export interface RcaEvent {
  id: string;
  resource: string;
  kind: string;
  reason: string;
  severity: "info" | "warning" | "critical";
  message: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** A resource's warning and critical events of a window (`GET /rca/incidents`). */
export interface Incident {
  resource: string;
  kind: string;
  service: string | null;
  severity: "warning" | "critical";
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  reasons: { reason: string; count: number }[];
  deleted: boolean;
}

/** One metric anomaly supporting a candidate. */
export interface Evidence {
  resource?: string;
  metric?: string;
  labels?: Record<string, string>;
  signal?: string;
  value?: number;
  baseline?: number;
  z?: number;
  /** Epoch ms of the most deviant sample. */
  at?: number;
  [more: string]: unknown;
}

/** A ranked root-cause candidate. */
export interface Candidate {
  service: string;
  resource?: string;
  score: number;
  faultType: string;
  /** Services from the candidate to the symptom's, each called by the next. */
  path: string[];
  /** Resource ids from the root cause to the symptom along the relations a fault travels. */
  causalPath?: string[];
  evidence: Evidence[];
}

export interface Symptom {
  from: string;
  to: string;
  service?: string;
  alert?: string;
}

/** `GET /rca/analyses/{id}` and `POST /rca/analyses`. */
export interface Analysis {
  id: string;
  symptom: Symptom;
  candidates: Candidate[];
  createdAt: string;
  durationMs: number;
}

/** An entry of `GET /rca/analyses`. */
export interface AnalysisSummary {
  id: string;
  symptom: Symptom;
  createdAt: string;
  durationMs: number;
  candidates: number;
  top: Candidate | null;
}

/** `GET /usage`. */
export interface Usage {
  period: { start: string; end: string };
  today: { start: string; end: string };
  meters: {
    product: string;
    meter: string;
    period: number;
    today: number;
    quota: { limit: number; per: "day" | "period"; plan: string } | null;
  }[];
}

/** `GET /invoices/upcoming`. */
export interface UpcomingInvoice {
  periodStart: string;
  periodEnd: string;
  currency: "usd";
  totalCents: number;
  lines: {
    kind: "fee" | "overage" | "correction" | "outcome";
    product: string;
    plan: string;
    description: string;
    meter: string | null;
    quantity: number;
    amountCents: number;
  }[];
  asOf: string;
}
