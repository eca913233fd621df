/** Builds every replay scenario into fixtures/scenarios/. Run: npm run scenarios:build */
import { buildEthWhale } from "./eth-whale-2025-03-12.ts";

const eth = buildEthWhale();
console.log(
  `eth-whale-2025-03-12.ndjson: ${eth.lines} lines; HLP realised loss on the unwind $${Math.round(-eth.hlpLossUsd).toLocaleString("en-US")}`,
);
