import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { connect, credsAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { inboxOf } from "../streams/credentials.ts";
import { subjectOf } from "../streams/subjects.ts";
import type { AgentTransport, HeldMessage, SendResult } from "./transport.ts";

/**
 * The agent's way to the tenant's streams on NATS JetStream: its `.creds` (publish to its own
 * subjects only, replies on its own inbox prefix), each message with its id as `Nats-Msg-Id` so a
 * retried publish is stored once; connects on first use and reconnects for ever.
 */
export class NatsTransport implements AgentTransport {
  readonly target: string;
  readonly #opts: {
    servers: string | string[];
    tenantId: string;
    creds: string;
    timeoutMs: number;
  };
  #nc: NatsConnection | null = null;
  #js: JetStreamClient | null = null;
  #connected = false;

  constructor(opts: {
    servers: string | string[];
    tenantId: string;
    creds: string;
    timeoutMs?: number;
  }) {
    this.#opts = { ...opts, timeoutMs: opts.timeoutMs ?? 5_000 };
    this.target = [opts.servers].flat().join(",");
  }

  async send(batch: readonly HeldMessage[]): Promise<SendResult> {
    const js = await this.#client();
    const acks = await Promise.all(
      batch.map(({ kind, message }) =>
        js.publish(subjectOf(this.#opts.tenantId, kind), JSON.stringify(message.body), {
          msgID: `${kind}:${message.id}`,
          timeout: this.#opts.timeoutMs,
        }),
      ),
    );
    const duplicates = acks.filter((a) => a.duplicate).length;
    return { published: acks.length - duplicates, duplicates, refused: 0 };
  }

  connected(): boolean {
    return this.#connected;
  }

  async close(): Promise<void> {
    await this.#nc?.close();
  }

  async #client(): Promise<JetStreamClient> {
    if (this.#js && this.#nc && !this.#nc.isClosed()) return this.#js;
    this.#nc = await connect({
      servers: this.#opts.servers,
      name: `kamiyo-rca-agent-${this.#opts.tenantId}`,
      authenticator: credsAuthenticator(new TextEncoder().encode(this.#opts.creds)),
      inboxPrefix: inboxOf(this.#opts.tenantId),
      maxReconnectAttempts: -1,
      timeout: 5_000,
    });
    this.#connected = true;
    void this.#nc.closed().then(() => {
      this.#connected = false;
    });
    this.#js = jetstream(this.#nc);
    return this.#js;
  }
}
