import { closeSync, openSync, writeSync } from "node:fs";
import { type Alert, type ChannelKind, renderThrough, type StoredAlert } from "@kamiyo/alerts";
import { describeError } from "@kamiyo/core";
import type { Queryable } from "@kamiyo/db";

/** One line of `kamiyo replay --alerts-out`: an alert as one channel would have received it. */
export interface AlertLine {
  /** Replay time the alert was decided, epoch ms. */
  ts: number;
  channel: { id: string; kind: ChannelKind; name: string };
  alertId: string;
  type: string;
  severity: string;
  /**
   * Exactly what the channel sends: the JSON body a Discord, Slack, Telegram or webhook channel
   * posts (a webhook's signature headers aside); an email's sender, recipients, subject and
   * bodies. Null, with `error`, when the channel's settings do not validate.
   */
  payload: unknown;
  error?: string;
}

/**
 * The lines of stored alerts: one per delivery, in the order stored. Each alert is rendered from
 * `bodies` (its body as the outbox holds it, which is what a worker would send) when given.
 */
export function alertLines(
  stored: readonly StoredAlert[],
  bodies: ReadonlyMap<string, Alert> = new Map(),
): AlertLine[] {
  return stored.flatMap(({ alert, deliveries }) =>
    deliveries.map(({ channel }) => {
      const line: AlertLine = {
        ts: alert.createdAt,
        channel: { id: channel.id, kind: channel.kind, name: channel.name },
        alertId: alert.id,
        type: alert.type,
        severity: alert.severity,
        payload: null,
      };
      try {
        line.payload = renderThrough(channel.kind, channel.config, bodies.get(alert.id) ?? alert);
      } catch (err) {
        line.error = describeError(err);
      }
      return line;
    }),
  );
}

/**
 * Writes the alerts a replay stored to a file as NDJSON, in the order stored. Each alert's body
 * is read back from the outbox, as a delivery worker reads it (the database keeps JSON objects'
 * keys in its own order, which decides the order of evidence fields in a message), so each line's
 * payload is exactly what the worker would send.
 */
export class AlertsFile {
  readonly #fd: number;
  readonly #db: Queryable;
  #pending: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #closed = false;
  written = 0;

  /** @throws the file system's error when `path` cannot be created. */
  constructor(path: string, db: Queryable) {
    this.#fd = openSync(path, "w");
    this.#db = db;
  }

  /** Queues stored (committed) alerts for writing. */
  add(stored: readonly StoredAlert[]): void {
    if (stored.length === 0) return;
    this.#pending = this.#pending
      .then(() => this.#write(stored))
      .catch((err: unknown) => {
        this.#failure ??= err;
      });
  }

  /**
   * Writes what is queued and closes the file (once; later calls do nothing).
   * @throws the first failure to read or write.
   */
  async close(): Promise<void> {
    await this.#pending;
    if (this.#closed) return;
    this.#closed = true;
    closeSync(this.#fd);
    if (this.#failure !== null) throw this.#failure;
  }

  async #write(stored: readonly StoredAlert[]): Promise<void> {
    const rows = await this.#db.query<{ id: string; body: Alert }>(
      "SELECT id, body FROM alerts WHERE tenant_id = $1 AND id = ANY($2::text[])",
      [stored[0]?.alert.tenantId, stored.map((s) => s.alert.id)],
    );
    const lines = alertLines(stored, new Map(rows.map((r) => [r.id, r.body])));
    if (lines.length === 0) return;
    writeSync(this.#fd, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    this.written += lines.length;
  }
}
