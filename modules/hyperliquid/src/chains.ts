/** The chains this module monitors (`/chains` lists them first). */
export const MONITORED_CHAINS: readonly { chain: string; name: string }[] = [
  { chain: "hyperliquid", name: "Hyperliquid" },
];
