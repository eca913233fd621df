/**
 * SyncFlow's bidder end to end on loopback, as `kamiyo serve` runs it: the gate (allowing every
 * bid), the tenant's own Google Ads credential read from its row and opened (`PlatformConnections`:
 * a row read and a decryption on each bid, the client built once), an account's queue and lane
 * (breaker, timeout, retry policy; the pace set far above the load so the machinery is what is
 * timed), an `adGroups:mutate` to the local Google Ads REST server, then the `bid` record appended
 * to the tenant's audit trail on embedded PGlite. Sequential bids for the latency of one, then
 * bids on several accounts at once for throughput; the bare REST call without the lane or the
 * record, and the credential's read alone, for what each part adds.
 */
import { SecretBox, SystemClock } from "@kamiyo/core";
import {
  Bidder,
  type BidRequest,
  GOOGLE_ADS_API_VERSION,
  PlatformConnections,
  saveCredential,
  shieldMigrations,
} from "@kamiyo/shield";
import { CampaignBidGate, startLocalGoogleAds } from "@kamiyo/shield/testing";
import { openBenchDb } from "./bench-db.ts";

type Row = [string, string, string];
const TENANT = "ten_bench_flow";
const WARMUP = 200;
const SEQUENTIAL = 2_000;
const ACCOUNTS = 4;
const PER_ACCOUNT = 500;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

function quantiles(took: Float64Array): { p50: number; p99: number } {
  took.sort();
  const at = (q: number) =>
    (took[Math.min(took.length - 1, Math.floor(q * took.length))] as number) * 1000;
  return { p50: at(0.5), p99: at(0.99) };
}

export async function shieldSyncflowBench(): Promise<Row[]> {
  const bench = await openBenchDb("shield_flow", undefined, [shieldMigrations]);
  const oauth = {
    clientId: "bench-client",
    clientSecret: "bench-secret",
    refreshToken: "1//bench",
  };
  const server = await startLocalGoogleAds({
    accessToken: "bench",
    developerToken: "bench",
    oauth,
  });
  try {
    const { db } = bench;
    await db.query("INSERT INTO tenants (id, name) VALUES ($1, $1)", [TENANT]);
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => String(1_000_000_000 + i));
    for (const a of accounts) server.resources.set(`customers/${a}/adGroups/1`, "0");
    // The tenant's own grant, stored sealed as `PUT /shield/platforms/google_ads/credentials` does.
    const box = SecretBox.random();
    await saveCredential(
      db,
      box,
      TENANT,
      { platform: "google_ads", refreshToken: oauth.refreshToken },
      { identity: "bench", nowMs: Date.now() },
    );
    const connections = new PlatformConnections({
      db,
      box,
      apps: {
        google_ads: {
          apiUrl: server.url,
          apiVersion: GOOGLE_ADS_API_VERSION,
          developerToken: "bench",
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          tokenUrl: `${server.url}/token`,
        },
        meta: { graphUrl: "http://127.0.0.1:9" },
      },
      install: { tenantId: "ten_none", credentials: [] },
    });
    const platform = (await connections.forTenant(TENANT, "google_ads")) as NonNullable<
      Awaited<ReturnType<PlatformConnections["forTenant"]>>
    >;
    const bidder = new Bidder({
      db,
      gate: new CampaignBidGate(),
      clock: new SystemClock(),
      platforms: connections,
      lanes: { google_ads: { callsPerMinute: 1e9, burst: 1e9 } },
    });
    const bid = (account: string, i: number): BidRequest => ({
      clientId: "cli_bench",
      campaignId: "cmp_bench",
      platform: "google_ads",
      account,
      target: { kind: "ad_group_cpc", adGroupId: "1" },
      amountMicros: 1_000_000 + i * 10_000,
    });
    const account = accounts[0] as string;
    const bare = new Float64Array(SEQUENTIAL);
    for (let i = 0; i < WARMUP; i++) await bidder.submit(TENANT, bid(account, i));
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = performance.now();
      await platform.setAmount({
        account,
        target: { kind: "ad_group_cpc", adGroupId: "1" },
        amountMicros: i * 10_000,
      });
      bare[i] = performance.now() - t0;
    }
    const read = new Float64Array(SEQUENTIAL);
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = performance.now();
      await connections.forTenant(TENANT, "google_ads");
      read[i] = performance.now() - t0;
    }
    const one = new Float64Array(SEQUENTIAL);
    for (let i = 0; i < SEQUENTIAL; i++) {
      const t0 = performance.now();
      await bidder.submit(TENANT, bid(account, i));
      one[i] = performance.now() - t0;
    }
    const t0 = performance.now();
    await Promise.all(
      accounts.flatMap((a) =>
        Array.from({ length: PER_ACCOUNT }, (_, i) => bidder.submit(TENANT, bid(a, i))),
      ),
    );
    const concurrentS = (performance.now() - t0) / 1000;
    await bidder.close();
    const b = quantiles(bare);
    const r = quantiles(read);
    const s = quantiles(one);
    return [
      [
        "Shield SyncFlow: one bid, gate to audit record, loopback",
        `p50 ${(s.p50 / 1000).toFixed(2)} ms, p99 ${(s.p99 / 1000).toFixed(2)} ms`,
        `${fmt(SEQUENTIAL)} sequential bids after ${fmt(WARMUP)} warm-up: gate, the tenant's sealed credential read and opened, queue, lane, adGroups:mutate to a local server, bid record on embedded PGlite; the bare REST call alone p50 ${(b.p50 / 1000).toFixed(2)} ms, p99 ${(b.p99 / 1000).toFixed(2)} ms; the credential's read alone p50 ${(r.p50 / 1000).toFixed(2)} ms, p99 ${(r.p99 / 1000).toFixed(2)} ms`,
      ],
      [
        "Shield SyncFlow: bids on several accounts at once, loopback",
        `${fmt((ACCOUNTS * PER_ACCOUNT) / concurrentS)} bids/s`,
        `${fmt(ACCOUNTS * PER_ACCOUNT)} bids submitted together on ${ACCOUNTS} accounts (one in flight per account), each recorded; one tenant's audit chain on embedded PGlite`,
      ],
    ];
  } finally {
    await server.close();
    await bench.close();
  }
}
