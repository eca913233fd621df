import { AppError } from "@kamiyo/core";
import { describe, expect, it } from "vitest";
import { fromIncident, type IncidentLike, incidentTime, techniqueTags } from "./from-incident.ts";

/**
 * Incidents as `@kamiyo/intel` merges them, from the DeFi Hack Chronicle records in
 * /work/shared/data/exploits/defi-hack-chronicle (dates, chains, categories, losses and the
 * attack start times of their `attackTime`, which the intel parser does not keep).
 */
const harvest: IncidentLike = {
  id: "exp_20201026_harvestfinance",
  protocol: "Harvest Finance",
  aliases: [],
  date: "2020-10-26",
  chains: ["Ethereum"],
  classification: "Flashloan / Price Manipulation",
  technique: null,
  lossUsd: 24_000_000,
  references: [
    { source: "defi-hack-chronicle", firstSeenAt: "2025-11-20T10:00:00.000Z" },
    { source: "defillama", firstSeenAt: "2025-11-20T10:00:00.000Z" },
  ],
};
const HARVEST_START = Date.parse("2020-10-26T02:59:55Z");

const radiant: IncidentLike = {
  id: "exp_20241016_radiantcapital",
  protocol: "Radiant Capital",
  aliases: ["Radiant"],
  date: "2024-10-16",
  chains: ["Arbitrum", "BSC"],
  classification: "Access Control",
  technique: "Private Key Compromised",
  lossUsd: 53_000_000,
  references: [{ source: "defi-hack-chronicle", firstSeenAt: "2025-11-20T10:00:00.000Z" }],
};
/** Chronicle: "The Arbitrum exploit transaction was mined at … 2024-10-15 23:01:06 UTC". */
const RADIANT_TX = Date.parse("2024-10-15T23:01:06Z");

describe("incident times", () => {
  it("has no time for a day-only incident: it cannot be placed in a 5-minute window", () => {
    expect(incidentTime(harvest)).toBeNull();
    expect(fromIncident(harvest)).toBeNull();
  });

  it("takes an attack time within a day of the date (sources date by the report day)", () => {
    expect(incidentTime(harvest, { occurredAt: HARVEST_START })).toEqual({
      time: HARVEST_START,
      basis: "occurred",
    });
    expect(incidentTime(radiant, { occurredAt: RADIANT_TX })?.time).toBe(RADIANT_TX);
  });

  it("reads the incident's own attack time (intel keeps the Chronicle's attackTime.startTime)", () => {
    const timed = { ...harvest, occurredAt: "2020-10-26T02:59:55Z" };
    expect(incidentTime(timed)).toEqual({ time: HARVEST_START, basis: "occurred" });
    expect(fromIncident(timed)?.time).toBe(HARVEST_START);
    expect(() => incidentTime({ ...harvest, occurredAt: "yesterday" })).toThrow(
      /occurredAt NaN is not within a day/,
    );
  });

  it("rejects an attack time days away from the date, naming the incident", () => {
    const bad = () => incidentTime(radiant, { occurredAt: Date.parse("2024-10-20T00:00:00Z") });
    expect(bad).toThrow(AppError);
    expect(bad).toThrow(/exp_20241016_radiantcapital: occurredAt .* not within a day of its date/);
    expect(() => incidentTime({ ...radiant, date: "16/10/2024" })).toThrow(/is not YYYY-MM-DD/);
  });

  it("uses a first-seen time only from a real-time source, and only on the incident's day", () => {
    const live: IncidentLike = {
      ...radiant,
      references: [
        { source: "defillama", firstSeenAt: "2024-10-16T00:10:00.000Z" },
        { source: "alerts-feed", firstSeenAt: "2024-10-16T00:04:00.000Z" },
      ],
    };
    expect(incidentTime(live)).toBeNull();
    expect(incidentTime(live, { realtimeSources: ["alerts-feed"] })).toEqual({
      time: Date.parse("2024-10-16T00:04:00.000Z"),
      basis: "first_seen",
    });
    // The first sync of a real-time source imports its history with one first-seen time.
    const backfill: IncidentLike = {
      ...radiant,
      references: [{ source: "alerts-feed", firstSeenAt: "2025-11-20T10:00:00.000Z" }],
    };
    expect(incidentTime(backfill, { realtimeSources: ["alerts-feed"] })).toBeNull();
  });
});

describe("fromIncident", () => {
  it("maps a timed flash-loan exploit", () => {
    expect(fromIncident(harvest, { occurredAt: HARVEST_START })).toEqual({
      id: "exp_20201026_harvestfinance",
      source: "incident",
      detector: null,
      kind: null,
      time: HARVEST_START,
      spanStart: HARVEST_START,
      protocol: "harvest-finance",
      venue: null,
      counterVenues: [],
      chains: ["Ethereum"],
      asset: null,
      category: "exploit",
      techniques: ["flash_loan", "price_manipulation"],
      technique: "Flashloan / Price Manipulation",
      usd: 24_000_000,
      count: 1,
      aggregate: false,
      ref: null,
      severity: "critical",
      title: "Harvest Finance exploit on Ethereum",
    });
  });

  it("leaves out incidents known only from Kamiyo's own findings", () => {
    const own = { ...radiant, references: [{ source: "kamiyo", firstSeenAt: null }] };
    expect(fromIncident(own, { occurredAt: RADIANT_TX })).toBeNull();
  });

  it("tags bridges by technique words or the word Bridge in a name, not by a substring", () => {
    expect(techniqueTags(["Bridge Exploit (Notary Compromise)"])).toEqual(["bridge"]);
    expect(techniqueTags(["Protocol Logic", "Cross-chain Keeper Replacement"])).toEqual(["bridge"]);
    expect(techniqueTags(["Access Control"], ["Ronin Bridge"])).toEqual(["bridge"]);
    expect(techniqueTags(["Governance Attack"], ["BarnBridge"])).toEqual([]);
    expect(techniqueTags(["Flash Loan + Logic Error"])).toEqual(["flash_loan"]);
    expect(techniqueTags([null, "Flashloan Price Oracle Attack"])).toEqual([
      "flash_loan",
      "oracle",
    ]);
  });
});
