import type { BusMessage } from "../streams/ingest-bus.ts";
import type { StreamKind } from "../streams/subjects.ts";

/** A message the agent holds for one of the tenant's streams. */
export interface HeldMessage {
  readonly kind: StreamKind;
  readonly message: BusMessage;
  /**
   * What the HTTP ingest reads when it differs from `message.body`: a Kubernetes Event as the API
   * server gave it (the streams carry it normalized; the route normalizes it itself).
   */
  readonly raw?: unknown;
}

/** What one send did: stored, already stored (a repeat id), refused by the platform as malformed. */
export interface SendResult {
  readonly published: number;
  readonly duplicates: number;
  readonly refused: number;
}

/**
 * How the agent reaches the platform: NATS JetStream with the tenant's credentials
 * (`NatsTransport`), or the HTTP ingest routes with its `ingest:write` key (`HttpTransport`).
 * `send` resolves once the platform took the batch; it throws when the batch should be sent again
 * (unreachable, overloaded, over quota), and the publisher retries with backoff.
 */
export interface AgentTransport {
  /** `nats://…` or `https://…`, for logs. */
  readonly target: string;
  send(batch: readonly HeldMessage[]): Promise<SendResult>;
  connected(): boolean;
  close(): Promise<void>;
}
