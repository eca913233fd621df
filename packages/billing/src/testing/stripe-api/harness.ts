import Stripe from "stripe";
import type { StripeApiServerOptions } from "./options.ts";
import { type StripeApiServer, startStripeApiServer } from "./server.ts";

/** A started server and the official SDK pointed at it (for this folder's tests). */
export interface Harness {
  server: StripeApiServer;
  stripe: Stripe;
}

/** Starts a server and an SDK client for it; close it with `harness.server.close()`. */
export async function startHarness(opts: StripeApiServerOptions = {}): Promise<Harness> {
  const server = await startStripeApiServer(opts);
  return { server, stripe: sdkFor(server, opts.secretKey ?? "sk_test_local") };
}

/** The official SDK configured for a local server, as our billing code configures it. */
export function sdkFor(server: StripeApiServer, secretKey: string): Stripe {
  return new Stripe(secretKey, {
    host: server.host,
    port: server.port,
    protocol: server.protocol,
    apiVersion: "2026-11-18.endive",
    maxNetworkRetries: 0,
  });
}

/** Epoch seconds of a UTC date. */
export function utc(year: number, month: number, day: number, hour = 0): number {
  return Date.UTC(year, month - 1, day, hour) / 1000;
}

/** The Stripe error a request fails with (the test fails if it succeeds). */
export async function failure(request: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await request;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected the request to fail");
}
