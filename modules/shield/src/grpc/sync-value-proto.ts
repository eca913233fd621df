import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The service's definition, shipped in the repo: modules/shield/proto/syncvalue.proto. */
export const SYNC_VALUE_PROTO = fileURLToPath(
  new URL("../../proto/syncvalue.proto", import.meta.url),
);

/**
 * Messages as JavaScript objects with camelCase fields; scalars unset on the wire read as their
 * defaults, but `optional` fields stay undefined when unset (proto3 optional is a synthetic
 * oneof, which gets no default; `oneofs: false` leaves out its `_field` name property).
 */
const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  defaults: true,
  oneofs: false,
};

/** `kamiyo.shield.v1.SyncValue`: its service definition (servers) and client class (callers). */
export function loadSyncValue(): {
  service: grpc.ServiceDefinition;
  Client: grpc.ServiceClientConstructor;
} {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(SYNC_VALUE_PROTO, LOADER_OPTIONS));
  const v1 = (pkg.kamiyo as grpc.GrpcObject).shield as grpc.GrpcObject;
  const Client = (v1.v1 as grpc.GrpcObject).SyncValue as grpc.ServiceClientConstructor;
  return { service: Client.service, Client };
}

/** A Predict request as the loader gives it. */
export interface PredictRequest {
  frequency: number;
  recency: number;
  T: number;
  monetaryValue: number;
  horizonMonths: number;
  monthlyDiscountRate?: number;
}

export interface PredictResponse {
  pAlive: number;
  expectedPurchases: number;
  expectedSpend?: number;
  ltv?: number;
  modelVersion: number;
}

export interface PredictBatchRequest {
  frequency: number[];
  recency: number[];
  T: number[];
  monetaryValue: number[];
  horizonMonths: number;
  monthlyDiscountRate?: number;
}

export interface PredictBatchResponse {
  pAlive: number[];
  expectedPurchases: number[];
  expectedSpend: number[];
  ltv: number[];
  modelVersion: number;
}

type UnaryMethod = (
  req: object,
  md: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => void;

/** Calls one of a SyncValue client's methods; rejects with the call's ServiceError. */
export function callSyncValue<Res>(
  client: grpc.Client,
  method: "Predict" | "PredictBatch",
  req: object,
  md: grpc.Metadata,
  deadline?: number,
): Promise<Res> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method] as UnaryMethod;
  return new Promise((resolve, reject) =>
    fn.call(client, req, md, deadline === undefined ? {} : { deadline }, (err, res) =>
      err ? reject(err) : resolve(res as Res),
    ),
  );
}
