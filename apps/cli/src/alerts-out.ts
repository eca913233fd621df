import { closeSync, openSync, writeSync } from "node:fs";
import { type ChannelKind, renderThrough, type StoredAlert } from "@kamiyo/alerts";
import { describeError } from "@kamiyo/core";

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

/** The lines of stored alerts: one per delivery, in the order stored. */
export function alertLines(stored: readonly StoredAlert[]): AlertLine[] {
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
        line.payload = renderThrough(channel.kind, channel.config, alert);
      } catch (err) {
        line.error = describeError(err);
      }
      return line;
    }),
  );
}

/** Writes alert lines to a file as NDJSON, synchronously, in the order they come. */
export class AlertsFile {
  readonly #fd: number;
  written = 0;

  /** @throws the file system's error when `path` cannot be created. */
  constructor(path: string) {
    this.#fd = openSync(path, "w");
  }

  write(stored: readonly StoredAlert[]): void {
    const lines = alertLines(stored);
    if (lines.length === 0) return;
    writeSync(this.#fd, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    this.written += lines.length;
  }

  close(): void {
    closeSync(this.#fd);
  }
}
