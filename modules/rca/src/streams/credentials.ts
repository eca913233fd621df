import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser, fromSeed } from "@nats-io/nkeys";
import { tenantSubjects, tenantToken } from "./subjects.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const UNLIMITED = -1;

/**
 * The NATS side of the platform's trust, made once by the operator: an operator, the account the
 * ingest streams live in (JetStream enabled) and the system account, as nats-server
 * configuration (operator mode, accounts preloaded), the seed that signs tenants' credentials
 * (a secret of the platform), and the platform's own credentials (which create streams and
 * consume them).
 */
export interface NatsTrust {
  /** Lines for nats-server.conf (add `jetstream { store_dir: … }` and the listen address). */
  readonly serverConfig: string;
  /** Signs tenants' users (`tenantCredentials`); keep it with the platform's secrets. */
  readonly accountSeed: string;
  /** A `.creds` file for the platform's processes: any subject of the account. */
  readonly platformCreds: string;
}

/** Makes a new {@link NatsTrust} (new keys each time). */
export async function createNatsTrust(): Promise<NatsTrust> {
  const operator = createOperator();
  const account = createAccount();
  const system = createAccount();
  const operatorJwt = await encodeOperator("kamiyo", operator, {
    system_account: system.getPublicKey(),
  });
  const accountJwt = await encodeAccount(
    "KAMIYO_INGEST",
    account,
    {
      // Every limit the claim leaves out is 0 (no connections at all): state each one.
      limits: {
        conn: UNLIMITED,
        subs: UNLIMITED,
        data: UNLIMITED,
        payload: UNLIMITED,
        imports: UNLIMITED,
        exports: UNLIMITED,
        leaf: UNLIMITED,
        wildcards: true,
        mem_storage: UNLIMITED,
        disk_storage: UNLIMITED,
        streams: UNLIMITED,
        consumer: UNLIMITED,
      },
    },
    { signer: operator },
  );
  const systemJwt = await encodeAccount("SYS", system, {}, { signer: operator });
  const platform = createUser();
  const platformJwt = await encodeUser("kamiyo-platform", platform, account);
  return {
    serverConfig: [
      `operator: ${operatorJwt}`,
      `system_account: ${system.getPublicKey()}`,
      "resolver: MEMORY",
      "resolver_preload: {",
      `  ${account.getPublicKey()}: ${accountJwt}`,
      `  ${system.getPublicKey()}: ${systemJwt}`,
      "}",
    ].join("\n"),
    accountSeed: text(account.getSeed()),
    platformCreds: text(fmtCreds(platformJwt, platform)),
  };
}

/** The inbox prefix a tenant's agents connect with (`inboxPrefix`), so replies stay theirs. */
export function inboxOf(tenantId: string): string {
  return `_INBOX_${tenantToken(tenantId)}`;
}

/**
 * A tenant's agent credentials (a `.creds` file): it may publish to its own five subjects only
 * (`<tenant>.>`) and receive only replies under its own inbox prefix ({@link inboxOf}), so it
 * can neither write into nor read another tenant's streams, nor manage streams.
 * `expiresAt` (epoch ms) bounds its life; rotate by issuing new ones.
 */
export async function tenantCredentials(
  accountSeed: string,
  tenantId: string,
  opts: { expiresAt?: number } = {},
): Promise<string> {
  const account = fromSeed(new TextEncoder().encode(accountSeed));
  const user = createUser();
  const jwt = await encodeUser(
    `rca-agent-${tenantId}`,
    user,
    account,
    {
      pub: { allow: [tenantSubjects(tenantId)] },
      sub: { allow: [`${inboxOf(tenantId)}.>`] },
    },
    opts.expiresAt ? { exp: Math.floor(opts.expiresAt / 1000) } : {},
  );
  return text(fmtCreds(jwt, user));
}
