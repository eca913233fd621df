import type { Db } from "@kamiyo/db";
import { CliError, CliExit, type ModuleCliContext } from "@kamiyo/platform";
import {
  listCredentials,
  openCredential,
  resealCredential,
} from "../syncflow/credentials/credential-store.ts";

/** What `kamiyo shield credentials reseal` uses of the app. */
export type ResealCliContext = Pick<ModuleCliContext<unknown>, "io" | "openDb" | "secrets">;

/**
 * `kamiyo shield credentials reseal`: seals again, with the key ring's first key, every tenant's
 * stored ad-platform credential sealed with an older key, so the older key can then leave
 * KAMIYO_SECRET_KEYS. One that does not open (its key already gone) is named and left as it is;
 * the command then exits 1.
 */
export async function resealCommand(ctx: ResealCliContext, opts: { json?: boolean }) {
  const box = ctx.secrets();
  if (!box)
    throw new CliError(
      "KAMIYO_SECRET_KEYS is not set: there is no key ring to seal with (docs/self-hosting.md#secrets)",
    );
  const db: Db = await ctx.openDb();
  const resealed: string[] = [];
  const failed: { tenantId: string; platform: string; error: string }[] = [];
  let current = 0;
  try {
    const tenants = await db.query<{ id: string }>("SELECT id FROM tenants ORDER BY id");
    for (const { id: tenantId } of tenants)
      for (const row of await listCredentials(db, tenantId)) {
        if (!box.isStale(row.sealed)) {
          current++;
          continue;
        }
        try {
          await resealCredential(db, box, tenantId, row, openCredential(box, tenantId, row));
          resealed.push(`${tenantId}/${row.platform}`);
        } catch (err) {
          failed.push({ tenantId, platform: row.platform, error: (err as Error).message });
        }
      }
  } finally {
    await db.close();
  }
  if (opts.json)
    ctx.io.out(`${JSON.stringify({ key: box.currentKeyId, resealed, current, failed })}\n`);
  else {
    ctx.io.out(
      `kamiyo shield credentials reseal: ${resealed.length} sealed again with key ${box.currentKeyId}, ${current} already were\n`,
    );
    for (const f of failed)
      ctx.io.err(`kamiyo: ${f.tenantId}/${f.platform}: not sealed again: ${f.error}\n`);
  }
  if (failed.length > 0) throw new CliExit(1);
}
