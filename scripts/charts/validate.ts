/**
 * Validates rendered Kubernetes objects against the Kubernetes schemas: each object is built with
 * its `kubernetes-models` class (Prometheus Operator's and Cilium's from `@kubernetes-models/prometheus-operator` and
 * `@kubernetes-models/cilium`)
 * and `.validate()`d. A kind no model knows is an error, never skipped.
 */
import { parseAllDocuments } from "yaml";

/** The modules holding the model classes of each apiVersion the charts may render. */
const MODELS: Record<string, () => Promise<Record<string, unknown>>> = {
  v1: () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "batch/v1": () => import("kubernetes-models/batch/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "networking.k8s.io/v1": () => import("kubernetes-models/networking.k8s.io/v1"),
  "rbac.authorization.k8s.io/v1": () => import("kubernetes-models/rbac.authorization.k8s.io/v1"),
  "cilium.io/v2": () => import("@kubernetes-models/cilium/cilium.io/v2"),
  "monitoring.coreos.com/v1": () =>
    import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1"),
};

type Model = new (data: unknown) => { validate(): void };

/** One rendered object. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** The objects of a multi-document YAML stream (`helm template`'s output); empty documents dropped. */
export function parseObjects(yamlText: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

/** The problems of `objects`, one line each ("Kind/name: …"); empty when all are valid. */
export async function validateObjects(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata?.name}`;
    const load = MODELS[o.apiVersion];
    const model = load ? ((await load())[o.kind] as Model | undefined) : undefined;
    if (!model) {
      problems.push(`${id}: no schema for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new model(o).validate();
    } catch (err) {
      problems.push(`${id}: ${(err as Error).message}`);
    }
  }
  return problems;
}
