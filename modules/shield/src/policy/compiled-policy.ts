import type { PolicyDocument, RuleOverrides } from "./policy-document.ts";

/**
 * A saved policy version ready to apply: its per-client and per-campaign rules in maps, so a
 * check resolves each rule with at most two lookups and allocates nothing.
 */
export class CompiledPolicy {
  readonly version: number;
  readonly document: PolicyDocument;
  readonly #clients: ReadonlyMap<string, RuleOverrides>;
  readonly #campaigns: ReadonlyMap<string, RuleOverrides>;

  constructor(version: number, document: PolicyDocument) {
    this.version = version;
    this.document = document;
    this.#clients = new Map(Object.entries(document.clients ?? {}));
    this.#campaigns = new Map(Object.entries(document.campaigns ?? {}));
  }

  /** Pacing tolerance in basis points of the budget; null when pacing is off for the campaign. */
  pacingToleranceBps(clientId: string, campaignId: string): number | null {
    return this.#rule("pacing", clientId, campaignId)?.toleranceBps ?? null;
  }

  /** The ROAS floor in basis points; null when off. */
  minRoasBps(clientId: string, campaignId: string): number | null {
    return this.#rule("roasFloor", clientId, campaignId)?.minRoasBps ?? null;
  }

  /** The largest bid in micros; null when unlimited. */
  maxBidMicros(clientId: string, campaignId: string): number | null {
    return this.#rule("maxBidMicros", clientId, campaignId) ?? null;
  }

  /** The campaign's own rule, else its client's, else the default (undefined: not set anywhere). */
  #rule<K extends keyof RuleOverrides>(
    key: K,
    clientId: string,
    campaignId: string,
  ): RuleOverrides[K] | undefined {
    const own = this.#campaigns.get(campaignId)?.[key];
    if (own !== undefined) return own;
    const client = this.#clients.get(clientId)?.[key];
    if (client !== undefined) return client;
    return this.document[key];
  }
}
