import { z } from "zod";

/** Shield's settings (environment prefix SHIELD_). */
export const shieldSettings = z
  .object({
    grpcPort: z
      .number()
      .int()
      .min(0)
      .max(65_535)
      .optional()
      .describe(
        "Port of Shield's gRPC services (SyncValue) beside the HTTP API; 0 picks a free one. Unset: gRPC is not served",
      ),
    grpcHost: z
      .string()
      .min(1)
      .default("127.0.0.1")
      .describe("Address the gRPC services listen on"),
    grpcTlsCertFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM certificate chain the gRPC services present (with SHIELD_GRPC_TLS_KEY_FILE). Unset: plaintext, for loopback or a mesh that adds mTLS",
      ),
    grpcTlsKeyFile: z
      .string()
      .min(1)
      .optional()
      .describe("PEM private key of SHIELD_GRPC_TLS_CERT_FILE"),
  })
  .refine((s) => (s.grpcTlsCertFile === undefined) === (s.grpcTlsKeyFile === undefined), {
    message: "set both or neither of the TLS certificate and key files",
    path: ["grpcTlsKeyFile"],
  });

export type ShieldSettings = z.infer<typeof shieldSettings>;
