import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The service's definition, shipped in the repo: modules/shield/proto/syncshield.proto. */
export const SYNC_SHIELD_PROTO = fileURLToPath(
  new URL("../../proto/syncshield.proto", import.meta.url),
);

/** As SyncValue's: camelCase fields, uint64 as numbers, unset `optional` fields undefined. */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  defaults: true,
  oneofs: false,
};

/** `kamiyo.shield.v1.SyncShield`: its service definition (servers) and client class (callers). */
export function loadSyncShield(): {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
} {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(SYNC_SHIELD_PROTO, LOADER_OPTIONS));
  const v1 = ((pkg.kamiyo as grpc.GrpcObject).shield as grpc.GrpcObject).v1 as grpc.GrpcObject;
  const Client = v1.SyncShield as grpc.ServiceClientConstructor;
  return { service: Client.service, Client };
}

/** A Check request as the loader gives it (`customer` null when unset). */
export interface CheckRequest {
  clientId: string;
  campaignId: string;
  bidMicros: number;
  predictedLtvMicros?: number;
  customer: { frequency: number; recency: number; T: number; monetaryValue: number } | null;
}

export interface CheckResponse {
  decisionId: string;
  verdict: "allow" | "deny";
  reasons: { code: string; message: string }[];
  policyVersion: number;
  predictedLtvMicros?: number;
  ltvModelVersion?: number;
  spentMicros: number;
  budgetMicros: number;
  period: string;
  periodStart: string;
  at: string;
  auditSeq: number;
}

/** Calls a SyncShield client's Check; rejects with the call's ServiceError. */
export function callSyncShieldCheck(
  client: grpc.Client,
  req: Partial<CheckRequest>,
  md: grpc.Metadata,
): Promise<CheckResponse> {
  type Unary = (
    req: object,
    md: grpc.Metadata,
    cb: (err: grpc.ServiceError | null, res: CheckResponse) => void,
  ) => void;
  const check = (client as unknown as { Check: Unary }).Check;
  return new Promise((resolve, reject) =>
    check.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))),
  );
}
