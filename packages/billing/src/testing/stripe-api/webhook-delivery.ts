import { type ClientRequest, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import Stripe from "stripe";

/** Where and how events are sent. */
export interface DeliveryTarget {
  endpointId: string;
  url: string;
  secret: string;
}

/** Settings of `WebhookDispatcher`. */
export interface DispatcherOptions {
  timeoutMs: number;
  retryDelaysMs: readonly number[];
  /** The real clock, epoch ms (the signature's timestamp). */
  now: () => number;
  /** Called once an event reached an endpoint (a 2xx answer). */
  onDelivered: (event: Stripe.Event) => void;
}

interface Queue {
  target: DeliveryTarget;
  events: Stripe.Event[];
  running: Promise<void> | null;
}

/**
 * Delivers events to webhook endpoints as Stripe does: each a JSON POST signed in the
 * `Stripe-Signature` header (made with the SDK's `generateTestHeaderString`, so
 * `stripe.webhooks.constructEvent` accepts it), in creation order per endpoint, asynchronously.
 * A non-2xx answer, a network error or a timeout is retried after each configured delay; after
 * the last the event is dropped (Stripe keeps trying for days) and the next one goes.
 */
export class WebhookDispatcher {
  private readonly options: DispatcherOptions;
  private readonly queues = new Map<string, Queue>();
  private readonly inflight = new Set<ClientRequest>();
  private readonly sleepers = new Set<() => void>();
  private closed = false;

  constructor(options: DispatcherOptions) {
    this.options = options;
  }

  /** Queues `event` for the endpoint; it is sent after the endpoint's earlier events. */
  enqueue(target: DeliveryTarget, event: Stripe.Event): void {
    if (this.closed) return;
    const queue = this.queues.get(target.endpointId) ?? { target, events: [], running: null };
    queue.target = target;
    queue.events.push(event);
    this.queues.set(target.endpointId, queue);
    if (queue.running === null) {
      queue.running = this.drain(queue).finally(() => {
        queue.running = null;
      });
    }
  }

  /** Stops delivering: in-flight requests are aborted and queued events dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.sleepers) wake();
    for (const req of this.inflight) req.destroy();
    await Promise.all([...this.queues.values()].map((q) => q.running));
  }

  private async drain(queue: Queue): Promise<void> {
    while (!this.closed && queue.events.length > 0) {
      const event = queue.events[0] as Stripe.Event;
      if (await this.sendWithRetries(queue.target, event)) this.options.onDelivered(event);
      queue.events.shift();
    }
  }

  private async sendWithRetries(target: DeliveryTarget, event: Stripe.Event): Promise<boolean> {
    const payload = JSON.stringify(event, null, 2);
    const delays = this.options.retryDelaysMs;
    for (let attempt = 0; attempt <= delays.length && !this.closed; attempt++) {
      if (attempt > 0) await this.sleep(delays[attempt - 1] ?? 0);
      if (this.closed) return false;
      const header = Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: target.secret,
        timestamp: Math.floor(this.options.now() / 1000),
      });
      const status = await this.post(target.url, payload, header);
      if (status >= 200 && status < 300) return true;
    }
    return false;
  }

  /** POSTs the payload; resolves with the HTTP status, or 0 for a network error or timeout. */
  private post(url: string, payload: string, signature: string): Promise<number> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const send = target.protocol === "https:" ? httpsRequest : httpRequest;
      const req = send(
        target,
        {
          method: "POST",
          agent: false,
          timeout: this.options.timeoutMs,
          headers: {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": Buffer.byteLength(payload),
            "Stripe-Signature": signature,
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", () => resolve(0));
        },
      );
      this.inflight.add(req);
      req.on("close", () => this.inflight.delete(req));
      req.on("timeout", () => req.destroy(new Error("webhook delivery timed out")));
      req.on("error", () => resolve(0));
      req.end(payload);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}
