import { availableParallelism } from "node:os";
import { defineConfig, type TestProjectInlineConfiguration } from "vitest/config";
import { AcceptanceLastSequencer } from "./packages/testing/src/sequencer.ts";

/**
 * Test projects, named by what a test needs (see CONTRIBUTING.md):
 * - unit: `*.test.ts`, no database, no process of ours; run once.
 * - db: `*.db.test.ts`, on a database, run once: on the embedded PGlite, or on PostgreSQL
 *   (db-postgres) when TEST_DATABASE_URL is set. The files whose subject is the engine itself
 *   (`ON_BOTH_ENGINES`) then run on both.
 * - acceptance: `acceptance/*.test.ts`, incident replays through the whole pipeline; run once, on
 *   PGlite (their results do not depend on the engine; the queries they use are db tests).
 * - e2e: `*.e2e.test.ts`, the real `kamiyo` process (exit codes, signals); run once, on PGlite.
 * - live: `*.live.test.ts`, against the real APIs (`npm run test:live`, needs internet).
 */
const postgresUrl = process.env.TEST_DATABASE_URL ?? "";

const shared = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // A poll ends as soon as it holds: the wait is only for a loaded machine (Vitest's 1 s default
  // failed a Stripe webhook's round trip while other work shared the two cores).
  expect: { poll: { timeout: 10_000 } },
};

const ourTests = [
  "packages/*/src/**",
  "modules/*/src/**",
  "apps/*/src/**",
  "apps/*/e2e/**",
  "bench/**",
  "scripts/**",
];
const under = (pattern: string) => ourTests.map((dir) => `${dir}/${pattern}`);

function project(
  name: string,
  include: string[],
  env: Record<string, string>,
  more: { exclude?: string[]; globalSetup?: string } = {},
): TestProjectInlineConfiguration {
  return {
    test: {
      ...shared,
      name,
      include,
      exclude: ["**/node_modules/**", ...(more.exclude ?? [])],
      env: { TEST_PROJECT: name, ...env },
      ...(more.globalSetup ? { globalSetup: [more.globalSetup] } : {}),
    },
  };
}

const onPglite = { TEST_DATABASE_URL: "" };

/**
 * The db files whose behaviour depends on the database engine: with TEST_DATABASE_URL set they run
 * on PGlite as well as on PostgreSQL. Every other db file asserts what our SQL and code do, which
 * is the same PostgreSQL on both (the product has no engine branch outside `@kamiyo/db`), so it
 * runs once: on PostgreSQL when TEST_DATABASE_URL is set (CI), on PGlite otherwise.
 */
const ON_BOTH_ENGINES = [
  // The two `Db` implementations: transactions, types, the data directory, dump and clone.
  "packages/db/src/*.db.test.ts",
  // Migrations applied by the CLI to an embedded data directory and to a server's schema.
  "apps/cli/src/migrate-cli.db.test.ts",
  // Pages of findings built as JSON by the engine (its number and time formatting).
  "packages/api/src/list-pages.db.test.ts",
  // A delivery worker killed mid-burst: the embedded data directory's durability after kill -9.
  "packages/alerts/src/delivery/crash.db.test.ts",
];

export default defineConfig({
  test: {
    // One test file per core at once (Vitest's own default leaves a core free: on a 2-core CI
    // machine, one file at a time).
    maxWorkers: availableParallelism(),
    globalSetup: ["packages/testing/src/global-setup.ts"],
    sequence: { sequencer: AcceptanceLastSequencer },
    projects: [
      project("unit", under("*.test.ts"), onPglite, {
        exclude: ["**/*.db.test.ts", "**/*.e2e.test.ts", "**/*.live.test.ts", "**/acceptance/**"],
      }),
      project("db", postgresUrl ? ON_BOTH_ENGINES : under("*.db.test.ts"), onPglite),
      ...(postgresUrl
        ? [project("db-postgres", under("*.db.test.ts"), { TEST_DATABASE_URL: postgresUrl })]
        : []),
      project("acceptance", under("acceptance/*.test.ts"), onPglite, {
        globalSetup: "modules/hyperliquid/src/acceptance/global-setup.ts",
      }),
      project("e2e", under("*.e2e.test.ts"), onPglite),
      project("live", ["**/*.live.test.ts"], {}),
    ],
  },
});
