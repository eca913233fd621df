import { describe, expect, it } from "vitest";
import { newSecretKeyEntry, parseSecretKeys, SecretBox, SecretBoxError } from "./secret-box.ts";

const ctx = "shield_platform_credentials:ten_a:meta";

describe("SecretBox", () => {
  it("seals to a value that holds nothing of the plaintext, and opens it again", () => {
    const box = SecretBox.random();
    const sealed = box.seal("EAAB-system-user-token", ctx);
    expect(sealed).toMatch(/^kmysec1:k1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain("EAAB");
    expect(box.open(sealed, ctx)).toBe("EAAB-system-user-token");
    // A fresh nonce every time: the same secret never seals to the same value.
    expect(box.seal("EAAB-system-user-token", ctx)).not.toBe(sealed);
  });

  it("does not open a value under another context: copied to another tenant's row, it fails", () => {
    const box = SecretBox.random();
    const sealed = box.seal("token", ctx);
    expect(() => box.open(sealed, "shield_platform_credentials:ten_b:meta")).toThrow(
      SecretBoxError,
    );
  });

  it("does not open a changed value, naming why", () => {
    const box = SecretBox.random();
    const sealed = box.seal("token", ctx);
    const body = sealed.split(":")[3] as string;
    const flipped = Buffer.from(body, "base64url");
    flipped[0] = (flipped[0] as number) ^ 1;
    const changed = [...sealed.split(":").slice(0, 3), flipped.toString("base64url")].join(":");
    expect(() => box.open(changed, ctx)).toThrow(/does not verify/);
    expect(() => box.open("plain text", ctx)).toThrow(/not a sealed secret/);
  });

  it("opens values sealed under an older key of the ring, seals under the first, says which are stale", () => {
    const [older] = parseSecretKeys(newSecretKeyEntry("k2025"));
    const [newer] = parseSecretKeys(newSecretKeyEntry("k2026"));
    if (!older || !newer) throw new Error("no keys");
    const before = new SecretBox([older]);
    const sealed = before.seal("token", ctx);
    const rotated = new SecretBox([newer, older]);
    expect(rotated.open(sealed, ctx)).toBe("token");
    expect(rotated.isStale(sealed)).toBe(true);
    const again = rotated.seal("token", ctx);
    expect(again.split(":")[1]).toBe("k2026");
    expect(rotated.isStale(again)).toBe(false);
    // The new key alone cannot open the old value, and says which key it needs.
    expect(() => new SecretBox([newer]).open(sealed, ctx)).toThrow(/key "k2025", which is not/);
  });

  it("refuses a ring that is empty, has a key of the wrong size or an id twice", () => {
    expect(() => new SecretBox([])).toThrow(/at least one key/);
    expect(() => new SecretBox([{ id: "k1", key: Buffer.alloc(16) }])).toThrow(/16 bytes, 32/);
    const key = Buffer.alloc(32, 7);
    expect(
      () =>
        new SecretBox([
          { id: "k1", key },
          { id: "k1", key },
        ]),
    ).toThrow(/given twice/);
    expect(() => new SecretBox([{ id: "a:b", key }])).toThrow(/key id/);
  });
});

describe("parseSecretKeys", () => {
  it("reads id:base64 entries separated by commas or lines, skipping comments", () => {
    const a = newSecretKeyEntry("a");
    const b = newSecretKeyEntry("b");
    expect(parseSecretKeys(`${a},${b}`).map((k) => k.id)).toEqual(["a", "b"]);
    expect(parseSecretKeys(`# rotated, 2026-12-06\n${b}\n\n${a}\n`).map((k) => k.id)).toEqual([
      "b",
      "a",
    ]);
    const raw = Buffer.alloc(32, 9);
    expect(parseSecretKeys(`u:${raw.toString("base64url")}`)[0]?.key).toEqual(raw);
  });

  it("names the entry that is not a key", () => {
    const a = newSecretKeyEntry("a");
    expect(() => parseSecretKeys(`${a},nonsense`)).toThrow(/entry 2 is not "id:base64"/);
    expect(() => parseSecretKeys(`short:${Buffer.alloc(8).toString("base64")}`)).toThrow(
      /entry 1 \("short"\) decodes to 8 bytes/,
    );
  });
});
