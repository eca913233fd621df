import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@kamiyo/core";

/** One gRPC service as a server hosts it: its definition and its handlers. */
export interface GrpcService {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface ShieldGrpcServerOptions {
  services: readonly GrpcService[];
  /** 0 picks a free port. */
  port: number;
  host: string;
  /** PEM certificate chain and private key: TLS. Without them the server speaks plaintext. */
  tls?: { certChain: Buffer; privateKey: Buffer };
  log: Logger;
}

export interface ShieldGrpcServer {
  port: number;
  /** Stops taking calls and waits for those in progress (up to `graceMs`, then ends them). */
  close(graceMs?: number): Promise<void>;
}

/** Serves Shield's gRPC services on one port. */
export async function startShieldGrpcServer(
  opts: ShieldGrpcServerOptions,
): Promise<ShieldGrpcServer> {
  const server = new grpc.Server();
  for (const s of opts.services) server.addService(s.definition, s.implementation);
  const credentials = opts.tls
    ? grpc.ServerCredentials.createSsl(null, [
        { cert_chain: opts.tls.certChain, private_key: opts.tls.privateKey },
      ])
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${opts.host}:${opts.port}`, credentials, (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  opts.log.info({ host: opts.host, port, tls: opts.tls !== undefined }, "Shield gRPC listening");
  return {
    port,
    close: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
