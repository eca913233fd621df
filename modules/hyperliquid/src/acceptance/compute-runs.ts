/**
 * Child process of the acceptance setup: `node compute-runs.ts DIR` replays every scenario into
 * DIR (see scenario-runs.ts). Run apart from the test workers so the replays use the core the
 * workers leave free, and are done once however many test files read them.
 */
import { computeScenarioRuns } from "./scenario-runs.ts";

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: compute-runs.ts DIR\n");
  process.exit(2);
}
await computeScenarioRuns(dir, (name, ms) =>
  process.stderr.write(`acceptance: the shared ${name} replay took ${(ms / 1000).toFixed(1)} s\n`),
);
