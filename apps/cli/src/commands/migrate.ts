import { connectDb, migrate } from "@kamiyo/db";
import type { CliIo } from "@kamiyo/platform";
import type { AppConfig } from "../config/app-config.ts";
import { MODULES } from "../modules.ts";

/**
 * `kamiyo migrate`: applies the pending migrations, the platform's and the composed modules', to
 * the configured database and exits (a deployment's migration step; `serve` also migrates at
 * start-up, under the same advisory lock). Prints what it applied.
 */
export async function migrateCommand(config: AppConfig, stdio: CliIo): Promise<void> {
  const db = await connectDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(db, MODULES.migrations);
    stdio.out(
      applied.length === 0
        ? "kamiyo migrate: nothing to apply, the database is up to date\n"
        : `kamiyo migrate: applied ${applied.length} migrations: ${applied.join(", ")}\n`,
    );
  } finally {
    await db.close();
  }
}
