import { z } from "zod";

/** Shield's settings (environment prefix SHIELD_). */
export const shieldSettings = z.object({
  grpcPort: z
    .number()
    .int()
    .min(0)
    .max(65_535)
    .optional()
    .describe(
      "Port of Shield's gRPC services (SyncValue) beside the HTTP API; 0 picks a free one. Unset: gRPC is not served",
    ),
  grpcHost: z.string().min(1).default("127.0.0.1").describe("Address the gRPC services listen on"),
});

export type ShieldSettings = z.infer<typeof shieldSettings>;
