import { readFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  generateSecret,
  isSecret,
  sign,
  signatureHeader,
  verify,
  webhookHeaders,
} from "./signing.ts";

interface Vector {
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  signature: string;
}

const vector = JSON.parse(
  readFileSync(new URL("./fixtures/standard-webhooks-vector.json", import.meta.url), "utf8"),
) as Vector;

const BODY = JSON.stringify({ type: "webhook.test", timestamp: "2026-01-01T00:00:00.000Z" });
const nowSec = () => Math.floor(Date.now() / 1000);

function asReceived(h: Record<string, string>) {
  return {
    id: h["webhook-id"] ?? "",
    timestamp: h["webhook-timestamp"] ?? "",
    signature: h["webhook-signature"] ?? "",
  };
}

describe("Standard Webhooks signing", () => {
  it("gives the reference vector's signature", () => {
    expect(sign(vector.secret, vector.msg_id, vector.timestamp, vector.payload)).toBe(
      vector.signature,
    );
    const headers = {
      id: vector.msg_id,
      timestamp: String(vector.timestamp),
      signature: vector.signature,
    };
    expect(verify(vector.secret, headers, vector.payload, vector.timestamp)).toBe(true);
  });

  it("produces headers the standardwebhooks library accepts", () => {
    const secret = generateSecret();
    const headers = webhookHeaders([secret], "msg_1", nowSec(), BODY);
    expect(headers["content-type"]).toBe("application/json");
    expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
  });

  it("sends one signature per secret during a rotation, each verifying on its own", () => {
    const current = generateSecret();
    const previous = vector.secret;
    const ts = nowSec();
    const headers = webhookHeaders([current, previous], "msg_2", ts, BODY);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of [current, previous]) {
      expect(new Webhook(secret).verify(BODY, headers)).toEqual(JSON.parse(BODY));
      expect(verify(secret, asReceived(headers), BODY, ts)).toBe(true);
    }
    expect(() => new Webhook(generateSecret()).verify(BODY, headers)).toThrow(/signature/);
    expect(verify(generateSecret(), asReceived(headers), BODY, ts)).toBe(false);
  });

  it("rejects a tampered body, timestamp or id", () => {
    const secret = generateSecret();
    const ts = nowSec();
    const h = asReceived(webhookHeaders([secret], "msg_3", ts, BODY));
    expect(verify(secret, h, BODY, ts)).toBe(true);
    expect(verify(secret, h, `${BODY} `, ts)).toBe(false);
    expect(verify(secret, { ...h, timestamp: String(ts - 1) }, BODY, ts)).toBe(false);
    expect(verify(secret, { ...h, id: "msg_4" }, BODY, ts)).toBe(false);
    expect(verify(secret, { ...h, signature: `v1a,${h.signature.slice(3)}` }, BODY, ts)).toBe(
      false,
    );
    expect(verify(secret, { ...h, signature: "v1,short" }, BODY, ts)).toBe(false);
  });

  it("rejects timestamps outside the tolerance", () => {
    const secret = generateSecret();
    const ts = nowSec();
    const h = asReceived(webhookHeaders([secret], "msg_5", ts, BODY));
    expect(verify(secret, h, BODY, ts + 300)).toBe(true);
    expect(verify(secret, h, BODY, ts + 301)).toBe(false);
    expect(verify(secret, h, BODY, ts - 301)).toBe(false);
    expect(verify(secret, h, BODY, ts + 30, 10)).toBe(false);
    expect(verify(secret, { ...h, timestamp: "12e3" }, BODY, ts)).toBe(false);
  });

  it("generates valid secrets the library round-trips", () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(isSecret(secret)).toBe(true);
    expect(generateSecret()).not.toBe(secret);
    const wh = new Webhook(secret);
    const ts = nowSec();
    expect(wh.sign("msg_6", new Date(ts * 1000), BODY)).toBe(sign(secret, "msg_6", ts, BODY));
    expect(signatureHeader([secret], "msg_6", ts, BODY)).toBe(sign(secret, "msg_6", ts, BODY));
  });

  it("validates secrets: whsec_ and base64 of 24 to 64 bytes", () => {
    const b64 = (n: number) => Buffer.alloc(n, 7).toString("base64");
    expect(isSecret(vector.secret)).toBe(true);
    expect(isSecret(`whsec_${b64(24)}`)).toBe(true);
    expect(isSecret(`whsec_${b64(64)}`)).toBe(true);
    expect(isSecret(`whsec_${b64(23)}`)).toBe(false);
    expect(isSecret(`whsec_${b64(65)}`)).toBe(false);
    expect(isSecret(b64(32))).toBe(false);
    expect(isSecret("whsec_")).toBe(false);
    expect(isSecret(`whsec_${b64(32).replace(/=$/, "")}!`)).toBe(false);
    expect(() => sign("whsec_x", "msg", 1, "")).toThrow(TypeError);
  });
});
