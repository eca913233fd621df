import { randomBytes } from "node:crypto";
import { type LocalResponse, startLocalApiServer } from "../local-api-server.ts";

/** A record as the local server keeps it: its fields by API name. */
export type SalesforceRecord = Record<string, unknown> & { Id: string };

/** A running local Salesforce REST API. */
export interface SalesforceApiServer {
  url: string;
  opportunities(): SalesforceRecord[];
  accounts(): SalesforceRecord[];
  /** Adds an Account (as if made in the org); returns its id. */
  addAccount(name: string): string;
  /** Ends every session (the next call gets INVALID_SESSION_ID). */
  expireSessions(): void;
  close(): Promise<void>;
}

/** Options of `startSalesforceApiServer`. */
export interface SalesforceApiServerOptions {
  clientId?: string;
  clientSecret?: string;
  /** Unique external id fields of Opportunity. */
  externalIdFields?: readonly string[];
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** An 18-character record id with the object's key prefix (Account 001, Opportunity 006). */
const recordId = (prefix: string) =>
  prefix + Array.from(randomBytes(15), (b) => ALPHABET[b % ALPHABET.length]).join("");
const errors = (
  status: number,
  errorCode: string,
  message: string,
  fields: string[] = [],
): LocalResponse => ({
  status,
  body: [{ message, errorCode, fields }],
});

/**
 * A local server speaking the part of Salesforce's REST API the CRM adapter uses, in its JSON
 * shapes (developer.salesforce.com, REST API v62.0): the OAuth client credentials flow
 * (`POST /services/oauth2/token`, answering this server as the instance), an Opportunity upserted
 * by an external id (`PATCH /services/data/vXX.X/sobjects/Opportunity/{field}/{value}`: 201
 * created, 200 updated) and an Account updated (`PATCH …/sobjects/Account/{id}`: 204).
 */
export async function startSalesforceApiServer(
  opts: SalesforceApiServerOptions = {},
): Promise<SalesforceApiServer> {
  const clientId = opts.clientId ?? "3MVG9local";
  const clientSecret = opts.clientSecret ?? "local-salesforce-secret";
  const extIds = new Set(opts.externalIdFields ?? ["Shield_Invoice_Id__c"]);
  let sessions = new Set<string>();
  const opportunities = new Map<string, SalesforceRecord>();
  const accounts = new Map<string, SalesforceRecord>();
  const org = recordId("00D");
  const user = recordId("005");
  let url = "";

  const upsertOpportunity = (field: string, value: string, text: string): LocalResponse => {
    if (!extIds.has(field))
      return errors(
        404,
        "NOT_FOUND",
        `Provided external ID field does not exist or is not accessible: ${field}`,
      );
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body.AccountId !== undefined && !accounts.has(String(body.AccountId)))
      return errors(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [
        "AccountId",
      ]);
    const found = [...opportunities.values()].find((o) => o[field] === value);
    if (found) {
      Object.assign(found, body);
      return { status: 200, body: { id: found.Id, success: true, errors: [], created: false } };
    }
    const missing = ["Name", "StageName", "CloseDate"].filter((f) => body[f] === undefined);
    if (missing.length > 0)
      return errors(
        400,
        "REQUIRED_FIELD_MISSING",
        `Required fields are missing: [${missing.join(", ")}]`,
        missing,
      );
    if (typeof body.CloseDate !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(body.CloseDate))
      return errors(
        400,
        "JSON_PARSER_ERROR",
        `Cannot deserialize instance of date from VALUE_STRING value ${body.CloseDate}`,
      );
    const record: SalesforceRecord = { ...body, [field]: value, Id: recordId("006") };
    opportunities.set(record.Id, record);
    return { status: 201, body: { id: record.Id, success: true, errors: [], created: true } };
  };

  const server = await startLocalApiServer((req) => {
    if (req.method === "POST" && req.path === "/services/oauth2/token") {
      const form = new URLSearchParams(req.text);
      if (form.get("grant_type") !== "client_credentials")
        return {
          status: 400,
          body: { error: "unsupported_grant_type", error_description: "grant type not supported" },
        };
      if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret)
        return {
          status: 400,
          body: { error: "invalid_client", error_description: "invalid client credentials" },
        };
      const token = `${org}!${randomBytes(24).toString("base64url")}`;
      sessions.add(token);
      return {
        status: 200,
        body: {
          access_token: token,
          signature: randomBytes(32).toString("base64"),
          scope: "api",
          instance_url: url,
          id: `https://login.salesforce.com/id/${org}/${user}`,
          token_type: "Bearer",
          issued_at: String(Date.now()),
        },
      };
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (!bearer || !sessions.has(bearer))
      return errors(401, "INVALID_SESSION_ID", "Session expired or invalid");
    const m = /^\/services\/data\/v\d+\.\d+\/sobjects\/(\w+)\/(.+)$/.exec(req.path);
    if (req.method === "PATCH" && m) {
      const [, type, rest = ""] = m;
      const parts = rest.split("/").map(decodeURIComponent);
      if (type === "Opportunity" && parts.length === 2)
        return upsertOpportunity(parts[0] as string, parts[1] as string, req.text);
      if (type === "Account" && parts.length === 1) {
        const account = accounts.get(parts[0] as string);
        if (!account) return errors(404, "NOT_FOUND", "The requested resource does not exist");
        Object.assign(account, JSON.parse(req.text));
        return { status: 204 };
      }
    }
    return errors(404, "NOT_FOUND", "The requested resource does not exist");
  });
  url = server.url;
  return {
    url,
    opportunities: () => [...opportunities.values()],
    accounts: () => [...accounts.values()],
    addAccount: (name) => {
      const a: SalesforceRecord = { Id: recordId("001"), Name: name };
      accounts.set(a.Id, a);
      return a.Id;
    },
    expireSessions: () => {
      sessions = new Set();
    },
    close: () => server.close(),
  };
}
