import { canonicalChain } from "../chains.ts";

/** Block-explorer hosts and the chain each serves (a subdomain such as `www.` matches too). */
const EXPLORER_HOSTS: Record<string, string> = {
  "etherscan.io": "Ethereum",
  "optimistic.etherscan.io": "Optimism",
  "bscscan.com": "BSC",
  "arbiscan.io": "Arbitrum",
  "basescan.org": "Base",
  "polygonscan.com": "Polygon",
  "snowtrace.io": "Avalanche",
  "snowscan.xyz": "Avalanche",
  "ftmscan.com": "Fantom",
  "lineascan.build": "Linea",
  "blastscan.io": "Blast",
  "sonicscan.org": "Sonic",
  "berascan.com": "Berachain",
  "solscan.io": "Solana",
  "explorer.solana.com": "Solana",
  "gnosisscan.io": "Gnosis",
  "mantlescan.xyz": "Mantle",
  "moonriver.moonscan.io": "Moonriver",
  "moonscan.io": "Moonbeam",
  "scrollscan.com": "Scroll",
  "era.zksync.network": "Zksync",
  "explorer.zksync.io": "Zksync",
  "celoscan.io": "Celo",
  "cronoscan.com": "Cronos",
  "taikoscan.io": "Taiko",
  "seitrace.com": "Sei",
  "hyperevmscan.io": "Hyperliquid",
  "tronscan.org": "Tron",
  "suiscan.xyz": "Sui",
};

/** Testnet subdomains of the hosts above: their transactions are not incidents on a chain. */
const TESTNET = /^(sepolia|goerli|holesky|hoodi|testnet|rinkeby|ropsten|kovan)\./;

/**
 * Explorers that name the chain in the path: `app.blocksec.com/explorer/tx/<chain>/0x…`,
 * `explorer.phalcon.xyz/tx/<chain>/0x…`.
 */
const CHAIN_IN_PATH =
  /^(?:app\.blocksec\.com\/explorer|phalcon\.blocksec\.com\/explorer|explorer\.phalcon\.xyz)\/tx\/([a-z0-9-]+)\//;

/** The chain a block-explorer URL belongs to, or null for any other URL or a testnet. */
export function explorerChain(url: string): string | null {
  const m = /^https?:\/\/([^/?#\s]+)([^\s]*)/i.exec(url.trim());
  if (!m?.[1]) return null;
  const host = m[1].toLowerCase().replace(/^www\./, "");
  const path = m[2] ?? "";
  const slug = CHAIN_IN_PATH.exec(`${host}${path}`)?.[1];
  if (slug) return canonicalChain(slug);
  if (TESTNET.test(host)) return null;
  for (let h = host; h.includes("."); h = h.slice(h.indexOf(".") + 1)) {
    const chain = EXPLORER_HOSTS[h];
    if (chain) return chain;
  }
  return null;
}

const EVM_TX = /^0x[0-9a-f]{64}$/i;
const BASE58_TX = /^[1-9A-HJ-NP-Za-km-z]{64,90}$/;

/** An EVM hash in lower case, a base58 (Solana) signature as written, or null for neither. */
export function normalizeTxHash(raw: string): string | null {
  const h = raw.trim();
  if (EVM_TX.test(h)) return h.toLowerCase();
  return BASE58_TX.test(h) ? h : null;
}

/** Transaction hashes in `/tx/<hash>` links anywhere in a text, normalised, in order, deduplicated. */
export function txHashesInLinks(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(
    /\/tx\/(?:[a-z0-9-]+\/)?(0x[0-9a-fA-F]{64}(?![0-9a-fA-F])|[1-9A-HJ-NP-Za-km-z]{64,90})/g,
  )) {
    const h = normalizeTxHash(m[1] ?? "");
    if (h && !out.includes(h)) out.push(h);
  }
  return out;
}
