import { AppError } from "@kamiyo/core";
import { type Db, type Queryable, tenantDb } from "@kamiyo/db";
import { type Period, periodBounds } from "./periods.ts";

/** An advertiser the tenant bids for. */
export interface ShieldClient {
  id: string;
  name: string;
  /** Its kill switch: on stops every campaign of the client. */
  killed: boolean;
  killReason: string | null;
  killedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A client's campaign, with what it spent in the period holding the time it was read at. */
export interface ShieldCampaign {
  id: string;
  clientId: string;
  name: string;
  budgetMicros: number;
  period: Period;
  killed: boolean;
  killReason: string | null;
  killedAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** The current period's start (epoch ms) and what allowed bids reserved in it (micros). */
  periodStart: number;
  spentMicros: number;
}

interface ClientRow {
  id: string;
  name: string;
  killed: boolean;
  kill_reason: string | null;
  killed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
interface CampaignRow extends ClientRow {
  client_id: string;
  budget_micros: number;
  period: Period;
}

const ms = (d: Date | null) => (d === null ? null : new Date(d).getTime());
const toClient = (r: ClientRow): ShieldClient => ({
  id: r.id,
  name: r.name,
  killed: r.killed,
  killReason: r.kill_reason,
  killedAt: ms(r.killed_at),
  createdAt: ms(r.created_at) as number,
  updatedAt: ms(r.updated_at) as number,
});

/** Campaign rows with the spend of their current period (at `nowMs`). */
async function withSpend(
  tx: Queryable,
  tenantId: string,
  rows: CampaignRow[],
  nowMs: number,
): Promise<ShieldCampaign[]> {
  const starts = rows.map((r) => periodBounds(r.period, nowMs).startMs);
  const spent = await tx.query<{ campaign_id: string; spent_micros: number }>(
    `SELECT s.campaign_id, s.spent_micros FROM shield_campaign_spend s
     JOIN unnest($2::text[], $3::timestamptz[]) AS c(id, start)
       ON s.campaign_id = c.id AND s.period_start = c.start
     WHERE s.tenant_id = $1`,
    [tenantId, rows.map((r) => r.id), starts.map((s) => new Date(s))],
  );
  const byId = new Map(spent.map((s) => [s.campaign_id, Number(s.spent_micros)]));
  return rows.map((r, i) => ({
    ...toClient(r),
    clientId: r.client_id,
    budgetMicros: Number(r.budget_micros),
    period: r.period,
    periodStart: starts[i] as number,
    spentMicros: byId.get(r.id) ?? 0,
  }));
}

const notFound = (what: string, id: string) => new AppError("not_found", `no ${what} ${id}`);

/** @throws AppError `conflict` when the tenant has a client with that id. */
export async function createClient(
  db: Db,
  tenantId: string,
  input: { id: string; name: string },
  nowMs: number,
): Promise<ShieldClient> {
  const rows = await tenantDb(db, tenantId).query<ClientRow>(
    `INSERT INTO shield_clients (tenant_id, id, name, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING RETURNING *`,
    [tenantId, input.id, input.name, new Date(nowMs)],
  );
  if (!rows[0]) throw new AppError("conflict", `client ${input.id} exists: change it with PATCH`);
  return toClient(rows[0]);
}

/** @throws AppError `not_found` for a client the tenant does not have. */
export async function updateClient(
  db: Db,
  tenantId: string,
  id: string,
  change: { name?: string },
  nowMs: number,
): Promise<ShieldClient> {
  const [row] = await tenantDb(db, tenantId).query<ClientRow>(
    `UPDATE shield_clients SET name = coalesce($3, name), updated_at = $4
     WHERE tenant_id = $1 AND id = $2 RETURNING *`,
    [tenantId, id, change.name ?? null, new Date(nowMs)],
  );
  if (!row) throw notFound("client", id);
  return toClient(row);
}

export async function listClients(db: Db, tenantId: string): Promise<ShieldClient[]> {
  const rows = await tenantDb(db, tenantId).query<ClientRow>(
    "SELECT * FROM shield_clients WHERE tenant_id = $1 ORDER BY id LIMIT 10000",
    [tenantId],
  );
  return rows.map(toClient);
}

/**
 * Sets a client's or a campaign's kill switch (on: every check of it is denied, naming `reason`).
 * @throws AppError `not_found` when the tenant has no such client or campaign.
 */
export async function setKillSwitch(
  db: Db,
  tenantId: string,
  target: { kind: "client" | "campaign"; id: string },
  sw: { on: boolean; reason?: string | undefined },
  nowMs: number,
): Promise<{ id: string; killed: boolean; killReason: string | null; killedAt: number | null }> {
  const table = target.kind === "client" ? "shield_clients" : "shield_campaigns";
  const [row] = await tenantDb(db, tenantId).query<ClientRow>(
    `UPDATE ${table} SET killed = $3, kill_reason = CASE WHEN $3 THEN $4 END,
       killed_at = CASE WHEN $3 THEN $5::timestamptz END, updated_at = $5
     WHERE tenant_id = $1 AND id = $2 RETURNING *`,
    [tenantId, target.id, sw.on, sw.reason ?? null, new Date(nowMs)],
  );
  if (!row) throw notFound(target.kind, target.id);
  return {
    id: row.id,
    killed: row.killed,
    killReason: row.kill_reason,
    killedAt: ms(row.killed_at),
  };
}

/**
 * @throws AppError `not_found` for a client the tenant does not have, `conflict` when it has a
 *   campaign with that id.
 */
export async function createCampaign(
  db: Db,
  tenantId: string,
  input: { id: string; clientId: string; name: string; budgetMicros: number; period: Period },
  nowMs: number,
): Promise<ShieldCampaign> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const [client] = await tx.query(
      "SELECT 1 FROM shield_clients WHERE tenant_id = $1 AND id = $2",
      [tenantId, input.clientId],
    );
    if (!client) throw notFound("client", input.clientId);
    const rows = await tx.query<CampaignRow>(
      `INSERT INTO shield_campaigns (tenant_id, id, client_id, name, budget_micros, period,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING RETURNING *`,
      [
        tenantId,
        input.id,
        input.clientId,
        input.name,
        input.budgetMicros,
        input.period,
        new Date(nowMs),
      ],
    );
    if (!rows[0])
      throw new AppError("conflict", `campaign ${input.id} exists: change it with PATCH`);
    return (await withSpend(tx, tenantId, rows, nowMs))[0] as ShieldCampaign;
  });
}

/**
 * Changes a campaign's name, budget or period (from the next check on; what it spent stays with
 * the period it was spent in).
 * @throws AppError `not_found` for a campaign the tenant does not have.
 */
export async function updateCampaign(
  db: Db,
  tenantId: string,
  id: string,
  change: { name?: string; budgetMicros?: number; period?: Period },
  nowMs: number,
): Promise<ShieldCampaign> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const rows = await tx.query<CampaignRow>(
      `UPDATE shield_campaigns SET name = coalesce($3, name),
         budget_micros = coalesce($4, budget_micros), period = coalesce($5, period), updated_at = $6
       WHERE tenant_id = $1 AND id = $2 RETURNING *`,
      [
        tenantId,
        id,
        change.name ?? null,
        change.budgetMicros ?? null,
        change.period ?? null,
        new Date(nowMs),
      ],
    );
    if (!rows[0]) throw notFound("campaign", id);
    return (await withSpend(tx, tenantId, rows, nowMs))[0] as ShieldCampaign;
  });
}

/** One campaign with its current period's spend, or null. */
export async function getCampaign(
  db: Db,
  tenantId: string,
  id: string,
  nowMs: number,
): Promise<ShieldCampaign | null> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const rows = await tx.query<CampaignRow>(
      "SELECT * FROM shield_campaigns WHERE tenant_id = $1 AND id = $2",
      [tenantId, id],
    );
    return rows[0] ? ((await withSpend(tx, tenantId, rows, nowMs))[0] as ShieldCampaign) : null;
  });
}

/** The tenant's campaigns (of one client, with `clientId`), by id, with this period's spend. */
export async function listCampaigns(
  db: Db,
  tenantId: string,
  nowMs: number,
  opts: { clientId?: string | undefined } = {},
): Promise<ShieldCampaign[]> {
  return tenantDb(db, tenantId).transaction(async (tx) => {
    const rows = await tx.query<CampaignRow>(
      `SELECT * FROM shield_campaigns WHERE tenant_id = $1 AND ($2::text IS NULL OR client_id = $2)
       ORDER BY id LIMIT 10000`,
      [tenantId, opts.clientId ?? null],
    );
    return withSpend(tx, tenantId, rows, nowMs);
  });
}

/**
 * Which kill switch, the client's or the campaign's, stops the client's campaign now, with its
 * reason, or null when neither is on (the bidder's last look before a bid goes out).
 */
export async function killSwitchStopping(
  db: Db,
  tenantId: string,
  clientId: string,
  campaignId: string,
): Promise<string | null> {
  const [row] = await tenantDb(db, tenantId).query<{
    client: string | null;
    campaign: string | null;
  }>(
    `SELECT (SELECT coalesce(kill_reason, '') FROM shield_clients
              WHERE tenant_id = $1 AND id = $2 AND killed) AS client,
            (SELECT coalesce(kill_reason, '') FROM shield_campaigns
              WHERE tenant_id = $1 AND id = $3 AND killed) AS campaign`,
    [tenantId, clientId, campaignId],
  );
  const because = (r: string) => (r ? ` (${r})` : "");
  if (row?.client != null)
    return `client ${clientId}'s kill switch was turned on${because(row.client)}`;
  if (row?.campaign != null)
    return `campaign ${campaignId}'s kill switch was turned on${because(row.campaign)}`;
  return null;
}
