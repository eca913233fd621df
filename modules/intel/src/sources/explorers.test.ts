import { describe, expect, it } from "vitest";
import { explorerChain, normalizeTxHash, txHashesInLinks } from "./explorers.ts";

const HASH = "0x0FE3716431F8C2E43217C3CA6D25EED87E14D0FBFA9C9EE8CE4CEF2E5EC4583C";

describe("explorer links", () => {
  it("name the chain by host, subdomain or path", () => {
    expect(explorerChain("https://etherscan.io/tx/0x1")).toBe("Ethereum");
    expect(explorerChain("https://optimistic.etherscan.io/tx/0x1")).toBe("Optimism");
    expect(explorerChain("https://www.bscscan.com/address/0x1")).toBe("BSC");
    expect(explorerChain("https://moonriver.moonscan.io/tx/0x1")).toBe("Moonriver");
    expect(explorerChain("https://explorer.zksync.io/tx/0x1")).toBe("Zksync");
    expect(explorerChain("https://app.blocksec.com/explorer/tx/bsc/0x1")).toBe("BSC");
    expect(explorerChain("https://app.blocksec.com/explorer/tx/eth/0x1")).toBe("Ethereum");
    expect(explorerChain("https://solscan.io/tx/abc")).toBe("Solana");
  });

  it("ignore testnets and non-explorer sites", () => {
    expect(explorerChain("https://sepolia.etherscan.io/tx/0x1")).toBeNull();
    expect(explorerChain("https://x.com/peckshield/status/1")).toBeNull();
    expect(explorerChain("https://notetherscan.io/tx/0x1")).toBeNull();
    expect(explorerChain("not a url")).toBeNull();
  });

  it("read tx hashes from /tx/ links: EVM lower-cased, base58 as written, no partial hashes", () => {
    const text = [
      `https://bscscan.com/tx/${HASH}`,
      `https://app.blocksec.com/explorer/tx/bsc/${HASH.toLowerCase()}?line=6`,
      "https://solscan.io/tx/2HvMSgDEfKhNryYZKhjowrBY55rUx5MWtcWkG9hqxZCFBaTiahPwfynP1dxBSRk9s5UTVc8LFeS4Btvkm9pc2C4H",
      `https://etherscan.io/tx/${HASH}ff`,
      "https://etherscan.io/address/0x969837498944ae1dc0dcac2d0c65634c88729b2d",
    ].join("\n");
    expect(txHashesInLinks(text)).toEqual([
      HASH.toLowerCase(),
      "2HvMSgDEfKhNryYZKhjowrBY55rUx5MWtcWkG9hqxZCFBaTiahPwfynP1dxBSRk9s5UTVc8LFeS4Btvkm9pc2C4H",
    ]);
    expect(normalizeTxHash("0x123")).toBeNull();
    expect(normalizeTxHash("not-a-hash")).toBeNull();
  });
});
