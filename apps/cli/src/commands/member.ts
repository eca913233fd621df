import type { CliIo } from "@kamiyo/platform";
import { CliError } from "@kamiyo/platform";
import {
  checkEmail,
  checkPassword,
  hashPassword,
  recordAudit,
  revokeUserSessions,
  setPasswordHash,
} from "@kamiyo/tenancy";
import type { AppConfig } from "../config/app-config.ts";
import { appLogger, openStorage } from "../runtime.ts";
import { CLI_ACTOR, userError } from "./tenant.ts";

/**
 * `kamiyo member password --email E`: sets a person's password, read from standard input (asked
 * for without echo at a terminal), never from the command line. Every session the person has
 * ends; each of their tenants' audit logs records the change. Prints
 * `{"userId", "email", "sessionsEnded"}`.
 * @throws CliError for an unknown address or a password checkPassword refuses.
 */
export async function memberPasswordCommand(
  config: AppConfig,
  o: { email: string },
  stdio: CliIo,
): Promise<void> {
  const email = (() => {
    try {
      return checkEmail(o.email);
    } catch (err) {
      return userError(err);
    }
  })();
  if (!stdio.readSecret) throw new CliError("cannot read a password here");
  const password = await stdio.readSecret(`New password for ${email}: `).catch((err: Error) => {
    throw new CliError(`no password read: ${err.message} (pipe it on standard input)`);
  });
  try {
    checkPassword(password, { email });
  } catch (err) {
    userError(err);
  }
  const hash = await hashPassword(password);
  const db = await openStorage(config, appLogger(config, stdio));
  try {
    const nowMs = Date.now();
    const done = await db.transaction(async (tx) => {
      const [user] = await tx.query<{ id: string }>("SELECT id FROM users WHERE email = $1", [
        email,
      ]);
      if (!user)
        throw new CliError(
          `no person ${email}: add them to a tenant first (POST /members, or kamiyo tenant create --owner)`,
        );
      await setPasswordHash(tx, user.id, hash, nowMs);
      const sessionsEnded = await revokeUserSessions(tx, { userId: user.id, nowMs });
      const tenants = await tx.query<{ tenant_id: string }>(
        "SELECT tenant_id FROM memberships WHERE user_id = $1",
        [user.id],
      );
      for (const { tenant_id } of tenants)
        await recordAudit(tx, {
          tenantId: tenant_id,
          actor: CLI_ACTOR,
          action: "user.password_set",
          target: user.id,
          requestId: null,
          before: null,
          after: { id: user.id, passwordChangedAt: new Date(nowMs).toISOString() },
          nowMs,
        });
      return { userId: user.id, email, sessionsEnded };
    });
    stdio.out(`${JSON.stringify(done)}\n`);
  } finally {
    await db.close();
  }
}
