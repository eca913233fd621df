import { z } from "zod";

/** How findings become alerts (environment prefix ALERTS_). */
export const routingConfig = z.object({
  cooldownMs: z
    .number()
    .int()
    .min(0)
    .default(15 * 60_000)
    .describe(
      "A condition that reopens this soon after it was announced or resolved is not announced again unless worse, ms",
    ),
  groupWindowMs: z
    .number()
    .int()
    .min(0)
    .default(5 * 60_000)
    .describe(
      "After an alert on a detector and subject, further non-critical ones wait this long and go out together, ms; 0: no grouping",
    ),
  notifyResolved: z.boolean().default(true).describe("Announce when a finding resolves"),
  dailyCap: z
    .number()
    .int()
    .min(1)
    .default(1_000)
    .describe(
      "Alerts a day (UTC) before the rest are held and summarised at midnight (plans: 100, 500, 1,000, 10,000)",
    ),
  stormThreshold: z
    .number()
    .int()
    .min(1)
    .default(30)
    .describe(
      "Alerts within stormWindowMs that start a storm: non-critical alerts are then summarised",
    ),
  stormWindowMs: z
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000)
    .describe("The storm detection window, and how often a storm summary goes out, ms"),
});

export type RoutingConfig = z.output<typeof routingConfig>;
