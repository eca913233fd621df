import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Server-side request forgery guards for tenant-supplied webhook URLs: only public unicast
 * addresses may be called. Checked twice: the URL when an endpoint is saved
 * ({@link checkWebhookUrl}), and every address a name resolves to when a connection is opened
 * ({@link guardedLookup}), which also defeats DNS rebinding.
 */

/** Cloud instance metadata services, named in refusals. */
const METADATA = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "168.63.129.16"]);

/** How ipaddr.js range names read in a refusal ("10.0.0.1 is a private address"). */
const RANGE_TEXT: Record<string, string> = {
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  linkLocal: "a link-local address",
  loopback: "a loopback address",
  carrierGradeNat: "a carrier-grade NAT address",
  private: "a private address",
  reserved: "a reserved address",
  uniqueLocal: "a unique-local address",
  deprecatedSiteLocal: "a site-local address",
  "6to4": "a 6to4 relay address",
  teredo: "a Teredo tunnel address",
  rfc6052: "a NAT64 address",
  rfc6145: "an IPv4-translated address",
  benchmarking: "a benchmarking address",
  discard: "a discard-only address",
};

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR("2000::/3");

function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(ip);
  } catch {
    return null;
  }
}

/**
 * Why connecting to `ip` is refused, or null for a public unicast address. IPv4-mapped IPv6
 * addresses are judged as the IPv4 address they carry.
 */
export function blockedReason(ip: string): string | null {
  const addr = parse(ip);
  if (!addr) return `${ip} is not an IP address`;
  const normal = addr.toString();
  if (METADATA.has(normal)) return `${ip} is a cloud metadata address`;
  const range = addr.range();
  if (range !== "unicast") {
    return `${ip} is ${RANGE_TEXT[range] ?? `a special-purpose address (${range})`}`;
  }
  if (addr.kind() === "ipv6" && !addr.match(GLOBAL_UNICAST_V6)) {
    return `${ip} is outside the global unicast range 2000::/3`;
  }
  return null;
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, or IPv4-mapped 127.0.0.0/8). */
export function isLoopback(ip: string): boolean {
  return parse(ip)?.range() === "loopback";
}

/** `host` of a URL without the brackets of an IPv6 literal. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost");
}

/** Longest webhook URL accepted. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Checks a webhook URL when an endpoint is created or updated: no whitespace, control characters
 * or backslashes, `https:` only (or `http:` to a loopback host when `allowLoopbackHttp`, for local
 * development), no credentials, and an IP literal host must be public. Host names are resolved
 * when the endpoint is saved ({@link checkWebhookHost}) and again when connecting.
 * @returns an error message, or null when the URL is acceptable.
 */
export function checkWebhookUrl(url: string, opts: { allowLoopbackHttp: boolean }): string | null {
  if (url.length > MAX_WEBHOOK_URL_LENGTH) {
    return `URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  }
  // The URL parser would drop or re-encode these silently; a URL that needs them is refused.
  if (/[\s\p{Cc}\\]/u.test(url)) {
    return "URL must not contain whitespace, control characters or backslashes";
  }
  const parsed = URL.parse(url);
  if (!parsed) return "not a valid URL";
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return `URL must use https, not ${parsed.protocol.replace(/:$/, "")}`;
  }
  if (parsed.username !== "" || parsed.password !== "") {
    return "URL must not contain a user name or password";
  }
  const host = unbracket(parsed.hostname);
  if (host === "") return "URL has no host";
  const loopback = isIP(host) !== 0 ? isLoopback(host) : isLoopbackName(host);
  if (loopback && opts.allowLoopbackHttp) return null;
  if (parsed.protocol === "http:") return "URL must use https";
  if (isIP(host) !== 0) return blockedReason(host);
  if (loopback) return `${host} is a loopback host`;
  return null;
}

/** Resolves a name to all its addresses, as `dns.lookup(host, { all: true })` does. */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** How long {@link checkWebhookHost} waits for the resolver, ms. */
const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * Resolves the host name of a webhook URL that passed {@link checkWebhookUrl} (every address)
 * when the endpoint is saved, so that a name pointing at a non-public address is refused then
 * and not only at delivery. IP literals were judged by {@link checkWebhookUrl}.
 * @returns `{ refused }` with the reason, `{ unavailable }` when the resolver failed or took
 *   longer than 5 s (worth retrying), or null when every address is public (or loopback, where
 *   the policy allows it).
 */
export async function checkWebhookHost(
  url: string,
  policy: LookupPolicy,
): Promise<{ refused: string } | { unavailable: string } | null> {
  const host = unbracket(new URL(url).hostname);
  if (isIP(host) !== 0) return null;
  let addresses: { address: string }[];
  let timer: NodeJS.Timeout | undefined;
  try {
    addresses = await Promise.race([
      (policy.resolve ?? systemResolve(0))(host),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error("timed out"), { code: "ETIMEOUT" })),
          RESOLVE_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOTFOUND" || code === "ENODATA") return { refused: `${host} does not resolve` };
    return { unavailable: `could not resolve ${host} (${code ?? String(err)})` };
  } finally {
    clearTimeout(timer);
  }
  if (addresses.length === 0) return { refused: `${host} does not resolve` };
  for (const a of addresses) {
    if (policy.allowLoopback && isLoopback(a.address)) continue;
    const reason = blockedReason(a.address);
    if (reason)
      return {
        refused: `${host} resolves to ${reason.replace(`${a.address} is `, `${a.address}, `)}`,
      };
  }
  return null;
}

/** What {@link guardedLookup} lets through. */
export interface LookupPolicy {
  /** Let loopback addresses through (local development and tests). */
  allowLoopback: boolean;
  /** Default: the system resolver (`dns.lookup`). */
  resolve?: Resolver;
}

/** An error of {@link guardedLookup} refusing a host; `code` is `"ESSRF"`. */
export interface SsrfError extends NodeJS.ErrnoException {
  code: "ESSRF";
}

function ssrfError(message: string): SsrfError {
  return Object.assign(new Error(message), { code: "ESSRF" as const });
}

/** Whether `err` (or an error in its cause chain) is a refusal of the SSRF guard. */
export function isSsrfError(err: unknown): err is SsrfError {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === "ESSRF") return true;
    if (e instanceof AggregateError && e.errors.some((x) => isSsrfError(x))) return true;
  }
  return false;
}

function systemResolve(family: number): Resolver {
  return (host) =>
    new Promise((resolve, reject) => {
      dnsLookup(host, { all: true, family }, (err, addresses) =>
        err ? reject(err) : resolve(addresses),
      );
    });
}

/**
 * A `lookup` for `net.connect` (and undici's `connect` option) that resolves the name, refuses
 * it with an `ESSRF` error when ANY of its addresses is not public (loopback excepted when the
 * policy allows it), and otherwise answers like `dns.lookup` (`options.all` true or false). IP
 * literals never reach a lookup: callers must check them with {@link blockedReason}.
 */
export function guardedLookup(policy: LookupPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    const family = typeof options.family === "number" ? options.family : 0;
    const resolve = policy.resolve ?? systemResolve(family);
    resolve(hostname).then(
      (found) => {
        const addresses: LookupAddress[] = found.filter((a) => family === 0 || a.family === family);
        const first = addresses[0];
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`no address found for ${hostname}`);
          err.code = "ENOTFOUND";
          callback(err, []);
          return;
        }
        for (const a of addresses) {
          if (policy.allowLoopback && isLoopback(a.address)) continue;
          const reason = blockedReason(a.address);
          if (reason) {
            callback(ssrfError(`refused ${hostname}: ${reason}`), []);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };
}
