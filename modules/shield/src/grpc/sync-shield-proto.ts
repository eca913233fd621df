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
  checkId?: string;
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
  checkId?: string;
}

export interface ReleaseRequest {
  decisionId: string;
  auditSeq: number;
  micros?: number;
  reason: string;
}

export interface ReleaseResponse {
  decisionId: string;
  decisionSeq: number;
  auditSeq: number;
  clientId: string;
  campaignId: string;
  periodStart: string;
  releasedMicros: number;
  reason: string;
  at: string;
  replayed: boolean;
}

type Unary<Res> = (
  req: object,
  md: grpc.Metadata,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => void;

/** Calls one of a SyncShield client's methods; rejects with the call's ServiceError. */
function call<Res>(client: grpc.Client, method: string, req: object, md: grpc.Metadata) {
  const fn = (client as unknown as Record<string, Unary<Res>>)[method] as Unary<Res>;
  return new Promise<Res>((resolve, reject) =>
    fn.call(client, req, md, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

/** Calls a SyncShield client's Check; rejects with the call's ServiceError. */
export function callSyncShieldCheck(
  client: grpc.Client,
  req: Partial<CheckRequest>,
  md: grpc.Metadata,
): Promise<CheckResponse> {
  return call(client, "Check", req, md);
}

/** Calls a SyncShield client's Release; rejects with the call's ServiceError. */
export function callSyncShieldRelease(
  client: grpc.Client,
  req: Partial<ReleaseRequest>,
  md: grpc.Metadata,
): Promise<ReleaseResponse> {
  return call(client, "Release", req, md);
}
