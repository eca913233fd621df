/** What each product line does, as the landing page says it; `status` is honest about what runs. */
export const PRODUCT_LINES = [
  {
    id: "platform",
    name: "Hyperliquid security monitor",
    status: "available, open source",
    summary:
      "Watches the HLP vault family, oracle and mark prices against Binance and Coinbase, liquidation cascades, auto-deleveraging, open interest caps and funding, and raises findings as they happen. ML anomalies and forecasts, signed alerts from a durable outbox, and replays of real incidents that prove every rule.",
  },
  {
    id: "intel",
    name: "Exploit intelligence",
    status: "available",
    summary:
      "One de-duplicated list of exploits and hacks across chains, merged from DeFiLlama, DeFiHackLabs, rekt.news, SlowMist and the monitor's own findings, with sources ranked and signed webhooks filtered by chain, protocol, amount and severity.",
  },
  {
    id: "rca",
    name: "Kubernetes root-cause analysis",
    status: "in development",
    summary:
      "Light agents in your clusters feed a per-tenant knowledge graph of resources, events, logs and metrics; an RCA query ranks the likely causes of a symptom with the causal path and the evidence.",
  },
  {
    id: "shield",
    name: "Shield: ad-spend governance",
    status: "in development",
    summary:
      "Every bid passes a policy check against budgets, pacing and a ROAS floor from predicted lifetime value, and every decision lands in a tamper-evident audit trail; priced as a share of the value it adds.",
  },
] as const;
