/**
 * Builds the replayable Kubernetes incidents into modules/rca/fixtures/incidents/ (gzip NDJSON).
 * Run: npm run rca:incidents:build
 */
import { fileURLToPath } from "node:url";
import { buildBadConfigMapRollout } from "./bad-configmap-rollout.ts";
import { buildDependencyOutage } from "./dependency-outage.ts";
import { buildImagePullBackOff } from "./image-pull-backoff.ts";
import { buildNodeNotReady } from "./node-not-ready.ts";
import { buildOomKilled } from "./oom-killed.ts";

const dir = fileURLToPath(new URL("../../modules/rca/fixtures/incidents/", import.meta.url));
for (const build of [
  buildOomKilled,
  buildBadConfigMapRollout,
  buildImagePullBackOff,
  buildNodeNotReady,
  buildDependencyOutage,
]) {
  const { file, lines } = build(dir);
  console.log(`${file}: ${lines} lines`);
}
