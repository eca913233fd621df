/** Builds every replay scenario into fixtures/scenarios/. Run: npm run scenarios:build */
import { buildEthWhale } from "./eth-whale-2025-03-12.ts";
import { buildJelly } from "./jelly-2025-03-26.ts";

const eth = buildEthWhale();
console.log(
  `eth-whale-2025-03-12.ndjson: ${eth.lines} lines; HLP realised loss on the unwind $${Math.round(-eth.hlpLossUsd).toLocaleString("en-US")}`,
);
const jelly = buildJelly();
console.log(
  `jelly-2025-03-26.ndjson: ${jelly.lines} lines; JELLY peak ${jelly.peakMultiple.toFixed(2)}x the 0.0095 open; worst liquidator unrealised $${Math.round(jelly.worstLossUsd).toLocaleString("en-US")}`,
);
