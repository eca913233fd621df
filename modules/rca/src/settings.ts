import { z } from "zod";

/** The RCA module's settings (environment prefix RCA_). */
export const rcaSettings = z.object({
  natsUrl: z
    .string()
    .min(1)
    .optional()
    .describe(
      "NATS server(s) with JetStream carrying the tenants' ingest streams, comma-separated (nats://host:4222). Unset: an in-process queue (one machine; what is queued is lost if the process dies)",
    ),
  natsCredsFile: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The platform's NATS .creds file (`kamiyo rca nats-trust`), where the NATS server requires credentials",
    ),
  builder: z
    .boolean()
    .default(true)
    .describe(
      "Run the graph builder in this process: it consumes every tenant's ingest streams into its knowledge graph",
    ),
});

export type RcaSettings = z.infer<typeof rcaSettings>;
