/**
 * Canonical chain names, and the spellings and EVM chain ids sources use for them. Unknown names
 * are kept as written (trimmed); "Unknown", "Multi-Chain" and empty values give no chain.
 */
const CANONICAL: Record<string, readonly (string | number)[]> = {
  Ethereum: ["ethereum", "eth", "mainnet", "ethereum mainnet", "erc20", 1],
  BSC: ["bsc", "bnb chain", "bnb", "binance smart chain", "bnb smart chain", "binance", 56],
  Arbitrum: ["arbitrum", "arbitrum one", "arb", 42161],
  Optimism: ["optimism", "op mainnet", "op", 10],
  Base: ["base", 8453],
  Polygon: ["polygon", "matic", "polygon pos", 137],
  Avalanche: ["avalanche", "avax", "avalanche c-chain", 43114],
  Fantom: ["fantom", "ftm", 250],
  Solana: ["solana", "sol"],
  Linea: ["linea", 59144],
  Blast: ["blast", 81457],
  Gnosis: ["gnosis", "xdai", "gnosis chain", 100],
  Mantle: ["mantle", 5000],
  Moonriver: ["moonriver", 1285],
  Moonbeam: ["moonbeam", 1284],
  Sonic: ["sonic", 146],
  Berachain: ["berachain", 80094],
  Sei: ["sei", 1329],
  PulseChain: ["pulsechain", 369],
  Monad: ["monad", 143],
  Hedera: ["hedera"],
  Taiko: ["taiko", 167000],
  Aztec: ["aztec"],
  Cronos: ["cronos", 25],
  Celo: ["celo", 42220],
  Harmony: ["harmony", 1666600000],
  Tron: ["tron", "trx"],
  Bitcoin: ["bitcoin", "btc"],
  Near: ["near"],
  Sui: ["sui"],
  Aptos: ["aptos"],
  Cosmos: ["cosmos"],
  Ronin: ["ronin", 2020],
  Zksync: ["zksync", "zksync era", 324],
  Scroll: ["scroll", 534352],
  Metis: ["metis", 1088],
  Kava: ["kava", 2222],
  Klaytn: ["klaytn", "kaia", 8217],
  Heco: ["heco", 128],
  Hyperliquid: ["hyperliquid", "hyperevm", 999],
  Saga: ["saga", 5464],
  Starknet: ["starknet"],
};

const NONE = new Set(["", "unknown", "multi-chain", "multichain", "multiple", "n/a", "-"]);

const LOOKUP = new Map<string, string>();
for (const [name, aliases] of Object.entries(CANONICAL)) {
  LOOKUP.set(name.toLowerCase(), name);
  for (const a of aliases) LOOKUP.set(String(a).toLowerCase(), name);
}

/** The canonical name of a chain as a source writes it, or null for "unknown". */
export function canonicalChain(raw: string | number | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const key = String(raw).trim().toLowerCase();
  if (NONE.has(key)) return null;
  return LOOKUP.get(key) ?? String(raw).trim();
}

/** Canonical names of several chains, in order, without duplicates or unknowns. */
export function canonicalChains(raw: readonly (string | number | null | undefined)[]): string[] {
  const out: string[] = [];
  for (const r of raw) {
    const c = canonicalChain(r);
    if (c && !out.includes(c)) out.push(c);
  }
  return out;
}
