import type { SecretBox } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { CliExit, type CliIo } from "@kamiyo/platform";
import { unclosable } from "@kamiyo/testing";
import { Command } from "commander";
import { shieldCli } from "../cli/shield-commands.ts";
import { type ShieldSettings, shieldSettings } from "../settings.ts";

/**
 * Runs `kamiyo shield …args` in-process on `db` (with Shield's default settings, or `settings`);
 * returns what it printed and its exit code.
 */
export async function runShieldCli(
  db: Db | { db: Db; settings?: Partial<ShieldSettings>; secrets?: SecretBox },
  ...args: string[]
): Promise<{ out: string; err: string; code: number }> {
  const on = "db" in db ? db : { db };
  const settings = shieldSettings.parse(on.settings ?? {});
  let out = "";
  let err = "";
  const io = {
    env: {},
    out: (t: string) => (out += t),
    err: (t: string) => (err += t),
  } satisfies CliIo;
  const program = new Command("kamiyo").exitOverride();
  shieldCli(program, {
    io,
    openDb: async () => unclosable(on.db),
    settings: () => settings,
    secrets: () => on.secrets ?? null,
  });
  try {
    await program.parseAsync(["shield", ...args], { from: "user" });
    return { out, err, code: 0 };
  } catch (e) {
    if (e instanceof CliExit) return { out, err, code: e.code };
    throw e;
  }
}
