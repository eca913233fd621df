import type { VaultMember } from "../../observations.ts";
import type { InfoClient } from "./info-client.ts";
import { vaultDetailsSchema } from "./schemas.ts";

/** The HLP parent vault on mainnet. */
export const HLP_PARENT = "0xdfc24b077bc1425ad1dea75bcb6f8158e10df303";
/** The standalone "Liquidator" protocol vault (relationship "normal", so not an HLP child). */
export const STANDALONE_LIQUIDATOR = "0x63c621a33714ec48660e32f2374895c8026a3a00";

/**
 * The family as documented in HYPERLIQUID.md §1.5 (mainnet). Used only while discovery through
 * `vaultDetails` has not succeeded, so the monitor watches the liquidators from the first minute.
 */
export const HLP_FAMILY_SEED: readonly VaultMember[] = [
  { address: HLP_PARENT, name: "Hyperliquidity Provider (HLP)", role: "parent" },
  { address: "0x010461c14e146ac35fe42271bdc1134ee31c703a", name: "HLP Strategy A", role: "child" },
  { address: "0x31ca8395cf837de08b24da3f660e77761dfb974b", name: "HLP Strategy B", role: "child" },
  { address: "0x469f690213c467c39a23efacfd2816896009d7d8", name: "HLP Strategy X", role: "child" },
  {
    address: "0x2e3d94f0562703b25c83308a05046ddaf9a8dd14",
    name: "HLP Liquidator",
    role: "liquidator",
  },
  {
    address: "0xb0a55f13d22f66e6d495ac98113841b2326e9540",
    name: "HLP Liquidator 2",
    role: "liquidator",
  },
  {
    address: "0x5e177e5e39c0f4e421f5865a6d8beed8d921cb70",
    name: "HLP Liquidator 3",
    role: "liquidator",
  },
  {
    address: "0x2ed5c4484ea3ff8b57d5f2fb152a40d9f2b68308",
    name: "HLP Liquidator 4",
    role: "liquidator",
  },
  { address: STANDALONE_LIQUIDATOR, name: "Liquidator", role: "liquidator" },
];

/** A vault is a liquidator when its name says so ("HLP Liquidator 2", "Liquidator"). */
export function roleFromName(name: string): "liquidator" | "child" {
  return /liquidator/i.test(name) ? "liquidator" : "child";
}

/**
 * Discovers the HLP family at run time: the parent's `relationship.data.childAddresses`, each
 * child's name (and so its role) from its own `vaultDetails`, plus configured extra liquidators.
 * Names already known are not asked again.
 * @throws when the parent's details cannot be read; a child that cannot be read keeps its known or seed name.
 */
export async function discoverFamily(
  info: InfoClient,
  parent: string,
  extraLiquidators: readonly string[],
  known: ReadonlyMap<string, VaultMember>,
): Promise<VaultMember[]> {
  const details = await info.request(
    { type: "vaultDetails", vaultAddress: parent },
    vaultDetailsSchema,
  );
  if (details === null) throw new Error(`vaultDetails returned null for the HLP parent ${parent}`);
  const members: VaultMember[] = [{ address: parent, name: details.name, role: "parent" }];
  const children = details.relationship?.data?.childAddresses ?? [];
  for (const address of [...children, ...extraLiquidators]) {
    if (members.some((m) => m.address === address)) continue;
    const isExtra = !children.includes(address);
    const cached = known.get(address);
    if (cached) {
      members.push(isExtra ? { ...cached, role: "liquidator" } : cached);
      continue;
    }
    try {
      const child = await info.request(
        { type: "vaultDetails", vaultAddress: address },
        vaultDetailsSchema,
      );
      const name = child?.name ?? address;
      members.push({ address, name, role: isExtra ? "liquidator" : roleFromName(name) });
    } catch {
      members.push({ address, name: address, role: isExtra ? "liquidator" : "child" });
    }
  }
  return members;
}
