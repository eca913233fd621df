/** Builds every replay scenario into fixtures/scenarios/ (gzip NDJSON). Run: npm run scenarios:build */
import { buildCascade } from "./cascade-2025-10-10.ts";
import { buildEthWhale } from "./eth-whale-2025-03-12.ts";
import { buildJelly } from "./jelly-2025-03-26.ts";
import { buildQuietDay } from "./quiet-day-2025-03-27.ts";

const usd = (n: number) => `$${Math.round(n).toLocaleString("en-US")}`;

const eth = buildEthWhale();
console.log(
  `eth-whale-2025-03-12: ${eth.lines} lines; HLP realised loss on the unwind ${usd(-eth.hlpLossUsd)}`,
);
const jelly = buildJelly();
console.log(
  `jelly-2025-03-26: ${jelly.lines} lines; JELLY peak ${jelly.peakMultiple.toFixed(2)}x the open; worst liquidator unrealised ${usd(jelly.worstLossUsd)}`,
);
const cascade = buildCascade();
console.log(
  `cascade-2025-10-10: ${cascade.lines} lines; ${cascade.fills} liquidator fills; takeovers ${usd(cascade.takeoverUsd)}, ADL ${usd(cascade.adlUsd)}`,
);
const quiet = buildQuietDay();
console.log(`quiet-day-2025-03-27: ${quiet.lines} lines`);
