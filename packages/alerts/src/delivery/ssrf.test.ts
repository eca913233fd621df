import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import {
  blockedReason,
  checkWebhookHost,
  checkWebhookUrl,
  guardedLookup,
  type Resolver,
} from "./ssrf.ts";

const NAMES: Record<string, string[]> = {
  "loopback.test": ["127.0.0.1"],
  "private.test": ["10.0.0.1"],
  "metadata.test": ["169.254.169.254"],
  "v6loopback.test": ["::1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  "ula.test": ["fd00::1"],
  "mixed.test": ["93.184.215.14", "192.168.1.10"],
  "public.test": ["93.184.215.14", "2606:4700::1111"],
};

const resolve: Resolver = async (host) => {
  const found = NAMES[host];
  if (!found)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  return found.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

type Answer = {
  err: NodeJS.ErrnoException | null;
  address: string | LookupAddress[];
  family?: number;
};

function lookup(host: string, all: boolean, allowLoopback = false): Promise<Answer> {
  const fn = guardedLookup({ allowLoopback, resolve });
  return new Promise((done) => {
    fn(host, { all }, (err, address, family) => done({ err, address, family }));
  });
}

describe("blockedReason", () => {
  it.each([
    ["127.0.0.1", "127.0.0.1 is a loopback address"],
    ["10.0.0.1", "10.0.0.1 is a private address"],
    ["172.16.5.4", "172.16.5.4 is a private address"],
    ["192.168.0.1", "192.168.0.1 is a private address"],
    ["169.254.169.254", "169.254.169.254 is a cloud metadata address"],
    ["169.254.1.1", "169.254.1.1 is a link-local address"],
    ["fd00:ec2::254", "fd00:ec2::254 is a cloud metadata address"],
    ["100.100.100.200", "100.100.100.200 is a cloud metadata address"],
    ["100.64.0.1", "100.64.0.1 is a carrier-grade NAT address"],
    ["0.0.0.0", "0.0.0.0 is an unspecified address"],
    ["255.255.255.255", "255.255.255.255 is a broadcast address"],
    ["224.0.0.1", "224.0.0.1 is a multicast address"],
    ["240.0.0.1", "240.0.0.1 is a reserved address"],
    ["192.0.2.1", "192.0.2.1 is a reserved address"],
    ["::", ":: is an unspecified address"],
    ["::1", "::1 is a loopback address"],
    ["::ffff:127.0.0.1", "::ffff:127.0.0.1 is a loopback address"],
    ["::ffff:169.254.169.254", "::ffff:169.254.169.254 is a cloud metadata address"],
    ["fe80::1", "fe80::1 is a link-local address"],
    ["fd00::1", "fd00::1 is a unique-local address"],
    ["ff02::1", "ff02::1 is a multicast address"],
    ["2002:7f00:1::", "2002:7f00:1:: is a 6to4 relay address"],
    ["2001:0:4136:e378::1", "2001:0:4136:e378::1 is a Teredo tunnel address"],
    ["64:ff9b::a00:1", "64:ff9b::a00:1 is a NAT64 address"],
    ["2001:db8::1", "2001:db8::1 is a reserved address"],
    ["::7f00:1", "::7f00:1 is outside the global unicast range 2000::/3"],
    ["example.com", "example.com is not an IP address"],
  ])("refuses %s", (ip, reason) => {
    expect(blockedReason(ip)).toBe(reason);
  });

  it.each(["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.215.14"])(
    "lets public %s through",
    (ip) => {
      expect(blockedReason(ip)).toBeNull();
    },
  );
});

describe("guardedLookup", () => {
  it.each([
    ["loopback.test", "127.0.0.1"],
    ["private.test", "10.0.0.1"],
    ["metadata.test", "169.254.169.254"],
    ["v6loopback.test", "::1"],
    ["mapped.test", "::ffff:127.0.0.1"],
    ["ula.test", "fd00::1"],
    ["mixed.test", "192.168.1.10"],
  ])("refuses %s (resolving to %s)", async (host, address) => {
    for (const all of [true, false]) {
      const { err } = await lookup(host, all);
      expect(err?.code).toBe("ESSRF");
      expect(err?.message).toContain(host);
      expect(err?.message).toContain(address);
    }
  });

  it("answers like dns.lookup for public names", async () => {
    const all = await lookup("public.test", true);
    expect(all.err).toBeNull();
    expect(all.address).toEqual([
      { address: "93.184.215.14", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
    const one = await lookup("public.test", false);
    expect(one).toEqual({ err: null, address: "93.184.215.14", family: 4 });
  });

  it("lets loopback through only when the policy allows it", async () => {
    expect((await lookup("loopback.test", false, true)).address).toBe("127.0.0.1");
    expect((await lookup("mapped.test", true, true)).err).toBeNull();
    expect((await lookup("private.test", false, true)).err?.code).toBe("ESSRF");
  });

  it("passes resolver failures on", async () => {
    const { err } = await lookup("nowhere.test", true);
    expect(err?.code).toBe("ENOTFOUND");
  });
});

describe("checkWebhookUrl", () => {
  const strict = { allowLoopbackHttp: false };
  const dev = { allowLoopbackHttp: true };

  it("accepts https URLs to public hosts", () => {
    expect(checkWebhookUrl("https://hooks.example.com/kamiyo?x=1", strict)).toBeNull();
    expect(checkWebhookUrl("https://93.184.215.14:8443/hook", strict)).toBeNull();
    expect(checkWebhookUrl("https://[2606:4700::1111]/hook", strict)).toBeNull();
  });

  it("refuses what cannot be a safe endpoint", () => {
    expect(checkWebhookUrl("//no-scheme", strict)).toBe("not a valid URL");
    for (const url of [
      "not a url",
      "https://a.example.com/\r\n",
      "https:\\\\a.example.com",
      "https://a.example.com/\u0085",
    ])
      expect(checkWebhookUrl(url, strict), JSON.stringify(url)).toBe(
        "URL must not contain whitespace, control characters or backslashes",
      );
    expect(checkWebhookUrl("http://hooks.example.com/", strict)).toBe("URL must use https");
    expect(checkWebhookUrl("ftp://hooks.example.com/", strict)).toBe("URL must use https, not ftp");
    expect(checkWebhookUrl("https://user:pw@hooks.example.com/", strict)).toMatch(/user name/);
    expect(checkWebhookUrl(`https://example.com/${"a".repeat(2048)}`, strict)).toMatch(/2048/);
    expect(checkWebhookUrl("https://10.0.0.1/", strict)).toBe("10.0.0.1 is a private address");
    expect(checkWebhookUrl("https://169.254.169.254/latest", strict)).toMatch(/metadata/);
    expect(checkWebhookUrl("https://[fd00::1]/", strict)).toMatch(/unique-local/);
    // WHATWG URL parsing normalizes other spellings of an IPv4 address.
    expect(checkWebhookUrl("https://2130706433/", strict)).toMatch(/127\.0\.0\.1 is a loopback/);
    expect(checkWebhookUrl("https://0x7f.1/", strict)).toMatch(/loopback/);
    expect(checkWebhookUrl("https://[::ffff:7f00:1]/", strict)).toMatch(/loopback/);
  });

  it("allows loopback, over http too, only when configured", () => {
    for (const url of [
      "http://localhost:8080/hook",
      "http://127.0.0.1:8080/hook",
      "http://127.1.2.3/",
      "http://[::1]:8080/hook",
      "https://localhost/",
    ]) {
      expect(checkWebhookUrl(url, dev)).toBeNull();
      expect(checkWebhookUrl(url, strict)).not.toBeNull();
    }
    expect(checkWebhookUrl("https://127.0.0.1/", strict)).toBe("127.0.0.1 is a loopback address");
    expect(checkWebhookUrl("https://localhost/", strict)).toBe("localhost is a loopback host");
    expect(checkWebhookUrl("http://10.0.0.1/", dev)).toBe("URL must use https");
    expect(checkWebhookUrl("https://10.0.0.1/", dev)).toBe("10.0.0.1 is a private address");
    expect(checkWebhookUrl("http://hooks.example.com/", dev)).toBe("URL must use https");
  });
});

describe("checkWebhookHost", () => {
  const strict = { allowLoopback: false, resolve };

  it("accepts a name whose every address is public, and leaves IP literals to checkWebhookUrl", async () => {
    expect(await checkWebhookHost("https://public.test/hook", strict)).toBeNull();
    expect(await checkWebhookHost("https://10.0.0.1/hook", strict)).toBeNull();
  });

  it("refuses a name with any non-public address, or none", async () => {
    expect(await checkWebhookHost("https://mixed.test/hook", strict)).toEqual({
      refused: "mixed.test resolves to 192.168.1.10, a private address",
    });
    expect(await checkWebhookHost("https://metadata.test/", strict)).toEqual({
      refused: "metadata.test resolves to 169.254.169.254, a cloud metadata address",
    });
    expect(await checkWebhookHost("https://mapped.test/", strict)).toEqual({
      refused: "mapped.test resolves to ::ffff:127.0.0.1, a loopback address",
    });
    expect(await checkWebhookHost("https://nowhere.test/", strict)).toEqual({
      refused: "nowhere.test does not resolve",
    });
  });

  it("lets loopback through only when allowed, and reports a failing resolver as unavailable", async () => {
    expect(
      await checkWebhookHost("https://loopback.test/", { ...strict, allowLoopback: true }),
    ).toBeNull();
    expect(await checkWebhookHost("https://loopback.test/", strict)).toEqual({
      refused: "loopback.test resolves to 127.0.0.1, a loopback address",
    });
    const failing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo EAI_AGAIN"), { code: "EAI_AGAIN" });
    };
    expect(
      await checkWebhookHost("https://public.test/", { allowLoopback: false, resolve: failing }),
    ).toEqual({
      unavailable: "could not resolve public.test (EAI_AGAIN)",
    });
  });
});
