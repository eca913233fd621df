import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";

/** What an RCA client's install package is made of. */
export interface InstallPackage {
  /** The client's name, as the tenant is named. */
  name: string;
  tenantId: string;
  plan: string;
  /** The platform's HTTP API, where Vector, the event exporter and Prometheus send. */
  endpoint: string;
  /** The agent's key: scope `ingest:write` only (it can send, not read). */
  agentKey: string;
  /** The platform's NATS for the state watcher, and the tenant's credentials; absent: HTTP only. */
  nats?: { url: string; creds: string };
}

/** Names of the Kubernetes Secrets the install script makes and the chart reads. */
export const SECRET_NAMES = { apiKey: "kamiyo-rca-api-key", nats: "kamiyo-rca-nats" } as const;

/**
 * The Helm values of the `kamiyo-rca-agent` chart for this client: where to send, and which
 * Secrets hold the credentials (the values themselves hold no secret, so they can be kept in git).
 */
export function agentValues(p: InstallPackage): Record<string, unknown> {
  const url = new URL(p.endpoint);
  return {
    tenant: p.tenantId,
    endpoint: p.endpoint.replace(/\/$/, ""),
    apiKeySecret: { name: SECRET_NAMES.apiKey, key: "api-key" },
    stateWatcher: {
      enabled: true,
      ...(p.nats
        ? {
            nats: {
              url: p.nats.url,
              credsSecret: { name: SECRET_NAMES.nats, key: "tenant.creds" },
            },
          }
        : { http: { path: "/rca/ingest/state" } }),
    },
    eventExporter: { enabled: true, path: "/rca/ingest/k8s-events" },
    vector: { enabled: true, path: "/rca/ingest/logs" },
    prometheusRemoteWrite: { path: "/rca/ingest/prometheus/write" },
    // The agents talk to the platform and the cluster's API server only.
    networkPolicy: {
      enabled: true,
      egressHosts: [url.hostname, ...(p.nats ? [new URL(p.nats.url).hostname] : [])],
    },
  };
}

const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function installScript(p: InstallPackage): string {
  const ns = "kamiyo-rca";
  return `#!/bin/sh
# Installs Kamiyo's RCA agents for ${p.name} (${p.tenantId}) into the current kubectl context.
# Needs kubectl and helm; run from this folder. Safe to run again (it updates what it made).
set -eu
cd "$(dirname "$0")"
NAMESPACE="\${NAMESPACE:-${ns}}"
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$NAMESPACE" create secret generic ${SECRET_NAMES.apiKey} \\
  --from-file=api-key=secrets/api-key --dry-run=client -o yaml | kubectl apply -f -
${
  p.nats
    ? `kubectl -n "$NAMESPACE" create secret generic ${SECRET_NAMES.nats} \\
  --from-file=tenant.creds=secrets/tenant.creds --dry-run=client -o yaml | kubectl apply -f -
`
    : ""
}helm upgrade --install kamiyo-rca-agent "\${CHART:-kamiyo/kamiyo-rca-agent}" \\
  --namespace "$NAMESPACE" --values values.yaml
echo "Kamiyo RCA agents installed in namespace $NAMESPACE for tenant ${sh(p.tenantId)}"
`;
}

function readme(p: InstallPackage): string {
  return `# Kamiyo RCA: install package for ${p.name}

Tenant \`${p.tenantId}\`, plan \`${p.plan}\`, endpoint ${p.endpoint}.

This folder installs the light agents that send your cluster's data to Kamiyo's root-cause
analysis. Nothing else runs in your cluster: the knowledge graph and the analyses are hosted.

- \`values.yaml\`: the Helm values of the \`kamiyo-rca-agent\` chart (no secrets in it).
- \`secrets/\`: the agents' credentials. **Keep them secret**; the install script turns them into
  Kubernetes Secrets. \`api-key\` may only send data (scope \`ingest:write\`), not read it.${
    p.nats ? "\n  `tenant.creds` lets the state watcher publish to your streams only." : ""
  }
- \`install.sh\`: creates the namespace (\`kamiyo-rca\`, or \`NAMESPACE=…\`), the Secrets, and
  installs the chart with \`helm upgrade --install\`.

## Install
\`\`\`sh
sh install.sh
\`\`\`

## What is sent, and where
| data | by | to |
| --- | --- | --- |
| cluster state (objects, no Secret or ConfigMap contents) | the state watcher | ${p.nats ? `NATS ${p.nats.url}` : `${p.endpoint}/rca/ingest/state`} |
| Kubernetes Events | the event exporter | ${p.endpoint}/rca/ingest/k8s-events |
| container logs (error lines are what counts) | Vector | ${p.endpoint}/rca/ingest/logs |
| metrics (optional) | your Prometheus, with the remote_write below | ${p.endpoint}/rca/ingest/prometheus/write |

To send metrics, add to your Prometheus configuration (the key from \`secrets/api-key\`):
\`\`\`yaml
remote_write:
  - url: ${p.endpoint}/rca/ingest/prometheus/write
    authorization:
      credentials_file: /etc/prometheus/kamiyo-api-key
\`\`\`

Your plan counts events a day (a watch event, a Kubernetes Event, an error log line, a metric
anomaly); past it, the ingest answers 429 until 00:00 UTC and the agents retry. See your usage in
the dashboard (Account → Subscription) or \`GET /usage\`.
`;
}

/**
 * Writes the package into `dir` (created; refused when it already holds one): `values.yaml`,
 * `install.sh` (executable), `README.md`, and `secrets/` (the agent's key and NATS credentials,
 * readable by their owner only).
 * @returns the files written.
 */
export function writeInstallPackage(dir: string, p: InstallPackage): string[] {
  if (existsSync(join(dir, "values.yaml")))
    throw new Error(`${dir} already holds an install package; not overwriting it`);
  mkdirSync(join(dir, "secrets"), { recursive: true, mode: 0o700 });
  const files: [string, string, number][] = [
    [
      "values.yaml",
      `# kamiyo-rca-agent values for ${p.name} (${p.tenantId}), written by kamiyo rca onboard\n${stringify(agentValues(p))}`,
      0o644,
    ],
    ["install.sh", installScript(p), 0o755],
    ["README.md", readme(p), 0o644],
    [join("secrets", "api-key"), p.agentKey, 0o600],
    ...(p.nats
      ? [[join("secrets", "tenant.creds"), p.nats.creds, 0o600] as [string, string, number]]
      : []),
  ];
  for (const [name, text, mode] of files) {
    writeFileSync(join(dir, name), text, { mode });
    chmodSync(join(dir, name), mode);
  }
  return files.map(([name]) => join(dir, name));
}
