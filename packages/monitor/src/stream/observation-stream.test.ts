import { randomBytes } from "node:crypto";
import type { Observation } from "@kamiyo/core";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { observationJson, observationOfJson } from "./observation-json.ts";
import { type ObservationBatch, ObservationStream } from "./observation-stream.ts";

// The NATS server with JetStream these machines run (NATS_URL to use another).
const SERVERS = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const opened: ObservationStream[] = [];

/** A stream of this test's own (a random name and subjects), fast to redeliver. */
async function open(name: string, ackWaitMs = 1_000): Promise<ObservationStream> {
  const s = await ObservationStream.connect({
    servers: SERVERS,
    stream: name,
    subjectPrefix: `test.${name}`,
    ackWaitMs,
    retryMs: 50,
  });
  opened.push(s);
  return s;
}
const fresh = () => `OBS_${randomBytes(4).toString("hex")}`;
const obs = (i: number): Observation & { coin: string } => ({
  type: i % 2 ? "market" : "fills",
  time: 1_760_000_000_000 + i,
  coin: `C${i}`,
});

/** Collects what `group` receives until `until` holds (or 10 s pass). */
async function collect(
  stream: ObservationStream,
  group: string,
  until: (seen: ObservationBatch[]) => boolean,
  handler: (b: ObservationBatch) => Promise<void> = async () => {},
): Promise<ObservationBatch[]> {
  const seen: ObservationBatch[] = [];
  const stop = await stream.consume(group, async (b) => {
    await handler(b);
    seen.push(b);
  });
  const deadline = Date.now() + 10_000;
  while (!until(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await stop();
  return seen;
}
const coins = (batches: ObservationBatch[]) =>
  batches.flatMap((b) => b.observations.map((o) => (o as unknown as { coin: string }).coin));

afterAll(async () => {
  for (const s of opened) {
    await s.deleteStream();
    await s.close();
  }
});

describe("observations as JSON", () => {
  it("carries maps and refuses what JSON would change, naming it", () => {
    const prices = { type: "externalPrices", time: 1, prices: new Map([["BTC", 1.5]]) };
    const back = observationOfJson(observationJson(prices)) as typeof prices;
    expect(back.prices).toEqual(new Map([["BTC", 1.5]]));
    expect(() => observationJson({ type: "x", time: 1, at: new Date(0) } as Observation)).toThrow(
      "observation x: at cannot travel as JSON (Date)",
    );
    expect(() => observationJson({ type: "x", time: 1, n: Number.NaN } as Observation)).toThrow(
      /n cannot travel as JSON \(NaN\)/,
    );
    expect(() => observationOfJson('{"type":1}')).toThrow(/not an observation/);
  });
});

describe("ObservationStream (NATS JetStream)", () => {
  it("stores an observation published twice once, and hands a group everything in order, once acknowledged", async () => {
    const name = fresh();
    const stream = await open(name);
    const first = Array.from({ length: 30 }, (_, i) => obs(i));
    expect(await stream.publish(first)).toEqual({ accepted: 30, duplicates: 0 });
    // A second ingest replica publishing the same observations: stored once.
    expect(await stream.publish(first.slice(10))).toEqual({ accepted: 0, duplicates: 20 });
    const seen = await collect(stream, "detect", (s) => coins(s).length >= 30);
    expect(coins(seen)).toEqual(first.map((o) => o.coin));
    expect(seen.every((b) => b.redelivered === 0)).toBe(true);
    // Acknowledged: the group resumes after them; another group reads from the start.
    await stream.publish([obs(30)]);
    expect(coins(await collect(stream, "detect", (s) => coins(s).length >= 1))).toEqual(["C30"]);
    expect(coins(await collect(stream, "other", (s) => coins(s).length >= 31))).toHaveLength(31);
    expect(await stream.lag("detect")).toEqual({ pending: 0, inFlight: 0 });
    await expect(stream.publish([{ type: "a.b", time: 1 }])).rejects.toThrow(/subject token/);
  });

  it("tries a batch whose handler failed again, before anything that followed it", async () => {
    const stream = await open(fresh());
    await stream.publish([obs(1), obs(2)]);
    let failures = 0;
    const seen = await collect(
      stream,
      "detect",
      (s) => coins(s).length >= 3,
      async () => {
        if (failures === 0) {
          failures++;
          await stream.publish([obs(3)]); // arrives while the failing batch is held
          throw new Error("the database is down");
        }
      },
    );
    expect(coins(seen)).toEqual(["C1", "C2", "C3"]);
    expect(seen[0]).toMatchObject({ attempt: 2, redelivered: 0 });
  });

  it("gives what a killed consumer held to the next one of its group after the ack wait", async () => {
    const name = fresh();
    const publisher = await open(name);
    await publisher.publish([obs(1), obs(2), obs(3)]);
    // A consumer that takes the batch and dies without acknowledging it (its connection gone).
    const doomed = await ObservationStream.connect({
      servers: SERVERS,
      stream: name,
      subjectPrefix: `test.${name}`,
      ackWaitMs: 1_000,
    });
    const taken = Promise.withResolvers<void>();
    await doomed.consume("detect", async () => {
      taken.resolve();
      await new Promise(() => {}); // never finishes: killed mid-batch
    });
    await taken.promise;
    await doomed.close().catch(() => {});
    const seen = await collect(publisher, "detect", (s) => coins(s).length >= 3);
    expect(coins(seen)).toEqual(["C1", "C2", "C3"]);
    expect(seen[0]?.redelivered).toBe(3);
  });

  it("terminates a message that is not an observation and hands over the rest", async () => {
    const name = fresh();
    const stream = await open(name);
    await stream.ensureStream();
    const nc = await connect({ servers: SERVERS });
    await jetstream(nc).publish(`test.${name}.market`, "{not json");
    await nc.drain();
    await stream.publish([obs(7)]);
    expect(coins(await collect(stream, "detect", (s) => coins(s).length >= 1))).toEqual(["C7"]);
    expect(await stream.lag("detect")).toEqual({ pending: 0, inFlight: 0 });
  });

  it("carries notices of findings written to every process listening, outside the stream", async () => {
    const name = fresh();
    const detect = await open(name);
    const api = await open(name);
    let heard = 0;
    const stop = api.onFindingsWritten(() => heard++);
    await api.flush();
    detect.announceFindingsWritten();
    detect.announceFindingsWritten();
    await detect.flush();
    await expect.poll(() => heard).toBe(2);
    stop();
    // Not observations: the stream holds none.
    expect((await detect.state()).messages).toBe(0);
  });
});
