import type { Clock, HttpClient, HttpRequest, HttpResponse } from "@kamiyo/core";
import type { ReplayLine } from "./format.ts";
import type { ReplayWriter } from "./ndjson-writer.ts";

/** Channels not worth recording: the server produces them itself on replay. */
const SKIPPED_CHANNELS = new Set(["subscriptionResponse", "pong", "post"]);

/**
 * Wraps an HttpClient so that every tagged exchange (hl.info, binance, coinbase) is written in
 * replay format, stamped with the time the request was sent.
 */
export class RecordingHttpClient implements HttpClient {
  readonly #inner: HttpClient;
  readonly #writer: ReplayWriter;
  readonly #clock: Clock;

  constructor(inner: HttpClient, writer: ReplayWriter, clock: Clock) {
    this.#inner = inner;
    this.#writer = writer;
    this.#clock = clock;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const ts = this.#clock.now();
    const res = await this.#inner.request(req);
    if (req.tag) {
      const line = {
        ts,
        src: req.tag.src,
        req: req.tag.req,
        res: res.body,
        ...(res.status === 200 ? {} : { status: res.status }),
      };
      this.#writer.write(line as ReplayLine);
    }
    return res;
  }
}

/** A frame tap writing JSON WebSocket frames as `hl.ws` lines (the greeting and control frames are skipped). */
export function recordFrames(
  writer: ReplayWriter,
  clock: Clock,
): (src: string, text: string) => void {
  return (src, text) => {
    if (text.length === 0 || text[0] !== "{") return;
    let msg: { channel?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg.channel === "string" && SKIPPED_CHANNELS.has(msg.channel)) return;
    writer.write({ ts: clock.now(), src: src as "hl.ws", msg });
  };
}
