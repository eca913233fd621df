import { randomUUID } from "node:crypto";
import { type LocalResponse, startLocalApiServer } from "../local-api-server.ts";

/** A CRM object as HubSpot's v3 API returns it. */
export interface HubSpotObjectJson {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A running local HubSpot API. */
export interface HubSpotApiServer {
  url: string;
  deals(): HubSpotObjectJson[];
  companies(): HubSpotObjectJson[];
  /** Deal → company associations, as `dealId:companyId`. */
  associations(): string[];
  /** Adds a company (as if made in the portal); returns its id. */
  addCompany(name: string): string;
  close(): Promise<void>;
}

/** Options of `startHubSpotApiServer`. */
export interface HubSpotApiServerOptions {
  accessToken?: string;
  /** Deal properties with unique values (usable as an upsert's idProperty). */
  uniqueDealProperties?: readonly string[];
  now?: () => number;
}

const error = (status: number, category: string, message: string): LocalResponse => ({
  status,
  body: { status: "error", message, correlationId: randomUUID(), category },
});

/**
 * A local server speaking the part of HubSpot's CRM API the CRM adapter uses, in its JSON shapes
 * (developers.hubspot.com, CRM v3 objects and v4 associations): deals upserted in a batch by a
 * unique property (`POST /crm/v3/objects/deals/batch/upsert`), a deal's default association to a
 * company (`PUT /crm/v4/objects/deal/{id}/associations/default/company/{id}`), a company's
 * properties updated (`PATCH /crm/v3/objects/companies/{id}`); a private app's Bearer token.
 */
export async function startHubSpotApiServer(
  opts: HubSpotApiServerOptions = {},
): Promise<HubSpotApiServer> {
  const token = opts.accessToken ?? "pat-na1-local";
  const unique = new Set(opts.uniqueDealProperties ?? ["shield_invoice_id"]);
  const now = opts.now ?? Date.now;
  const deals = new Map<string, HubSpotObjectJson>();
  const companies = new Map<string, HubSpotObjectJson>();
  const associations = new Set<string>();
  let nextId = 10_000_000_001;
  const iso = () => new Date(now()).toISOString();
  const make = (properties: Record<string, string>): HubSpotObjectJson => {
    const at = iso();
    return {
      id: String(nextId++),
      properties: { ...properties },
      createdAt: at,
      updatedAt: at,
      archived: false,
    };
  };

  const upsertDeals = (text: string): LocalResponse => {
    const startedAt = iso();
    const body = JSON.parse(text) as {
      inputs?: { id?: string; idProperty?: string; properties?: Record<string, string> }[];
    };
    if (!Array.isArray(body.inputs) || body.inputs.length === 0 || body.inputs.length > 100)
      return error(
        400,
        "VALIDATION_ERROR",
        "Invalid input JSON on line 1: inputs must hold 1 to 100 objects",
      );
    const results = [];
    for (const input of body.inputs) {
      if (!input.id || !input.idProperty || !unique.has(input.idProperty))
        return error(
          400,
          "VALIDATION_ERROR",
          `Property '${input.idProperty}' is not a unique value property of deals`,
        );
      const found = [...deals.values()].find(
        (d) => d.properties[input.idProperty as string] === input.id,
      );
      if (found) {
        Object.assign(found.properties, input.properties ?? {});
        found.updatedAt = iso();
        results.push({ ...found, new: false });
      } else {
        const deal = make({ ...(input.properties ?? {}), [input.idProperty]: input.id });
        deals.set(deal.id, deal);
        results.push({ ...deal, new: true });
      }
    }
    return { status: 200, body: { status: "COMPLETE", results, startedAt, completedAt: iso() } };
  };

  const server = await startLocalApiServer((req) => {
    if (req.headers.authorization !== `Bearer ${token}`)
      return error(
        401,
        "INVALID_AUTHENTICATION",
        "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
      );
    if (req.method === "POST" && req.path === "/crm/v3/objects/deals/batch/upsert")
      return upsertDeals(req.text);
    const assoc =
      /^\/crm\/v4\/objects\/deals?\/(\d+)\/associations\/default\/compan(?:y|ies)\/(\d+)$/.exec(
        req.path,
      );
    if (req.method === "PUT" && assoc) {
      const [, dealId = "", companyId = ""] = assoc;
      if (!deals.has(dealId) || !companies.has(companyId))
        return error(404, "OBJECT_NOT_FOUND", `No deal ${dealId} or company ${companyId}`);
      associations.add(`${dealId}:${companyId}`);
      const at = iso();
      return {
        status: 200,
        body: {
          status: "COMPLETE",
          results: [
            {
              from: { id: dealId },
              to: { id: companyId },
              associationSpec: { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 5 },
            },
            {
              from: { id: companyId },
              to: { id: dealId },
              associationSpec: { associationCategory: "HUBSPOT_DEFINED", associationTypeId: 6 },
            },
          ],
          startedAt: at,
          completedAt: at,
        },
      };
    }
    const company = /^\/crm\/v3\/objects\/companies\/(\d+)$/.exec(req.path);
    if (req.method === "PATCH" && company) {
      const found = companies.get(company[1] as string);
      if (!found) return error(404, "OBJECT_NOT_FOUND", "resource not found");
      const body = JSON.parse(req.text) as { properties?: Record<string, string> };
      Object.assign(found.properties, body.properties ?? {});
      found.updatedAt = iso();
      return { status: 200, body: found };
    }
    return error(404, "OBJECT_NOT_FOUND", `no route ${req.method} ${req.path}`);
  });
  return {
    url: server.url,
    deals: () => [...deals.values()],
    companies: () => [...companies.values()],
    associations: () => [...associations],
    addCompany: (name) => {
      const c = make({ name });
      companies.set(c.id, c);
      return c.id;
    },
    close: () => server.close(),
  };
}
