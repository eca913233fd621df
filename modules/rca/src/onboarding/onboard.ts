import { planById } from "@kamiyo/billing";
import { AppError } from "@kamiyo/core";
import type { Db } from "@kamiyo/db";
import { createApiKey, createTenant } from "@kamiyo/tenancy";
import { tenantCredentials } from "../streams/credentials.ts";

/** A new RCA client: its tenant, the owner's key (shown once) and the agents' credentials. */
export interface Onboarded {
  tenantId: string;
  /** The tenant owner's key, for the dashboard and the API (shown once; never written to the package). */
  ownerKey: string;
  /** The agents' key: `ingest:write` only. */
  agentKey: string;
  /** The tenant's NATS credentials, when the platform's account seed was given. */
  natsCreds?: string;
}

/**
 * Onboards an RCA client (issue 15 §4): creates the tenant on `plan` (an `rca_…` plan; the tenant
 * also gets the platform's open-source edition), its owner's key, and a key for its agents that
 * can only send (`ingest:write`); with the platform's NATS account seed, also the tenant's NATS
 * credentials (publish to its own subjects only), valid `credsDays`.
 * @throws AppError("invalid_input") for a plan that is not an RCA plan.
 */
export async function onboardTenant(
  db: Db,
  input: {
    name: string;
    plan: string;
    nowMs: number;
    actor: string;
    ownerEmail?: string;
    accountSeed?: string;
    credsDays?: number;
  },
): Promise<Onboarded> {
  const plan = planById(input.plan);
  if (plan.product !== "rca")
    throw new AppError(
      "invalid_input",
      `--plan ${input.plan} is not an RCA plan (it is ${plan.product}'s); onboard RCA clients on an rca_… plan`,
    );
  const made = await createTenant(db, {
    name: input.name,
    plan: plan.id,
    actor: input.actor,
    nowMs: input.nowMs,
    ...(input.ownerEmail ? { ownerEmail: input.ownerEmail } : {}),
  });
  const agent = await createApiKey(db, {
    tenantId: made.tenant.id,
    name: "rca-agents",
    role: "member",
    scopes: ["ingest:write"],
    createdBy: input.actor,
    nowMs: input.nowMs,
  });
  const natsCreds = input.accountSeed
    ? await tenantCredentials(input.accountSeed, made.tenant.id, {
        expiresAt: input.nowMs + (input.credsDays ?? 365) * 86_400_000,
      })
    : undefined;
  return {
    tenantId: made.tenant.id,
    ownerKey: made.key,
    agentKey: agent.key,
    ...(natsCreds ? { natsCreds } : {}),
  };
}
