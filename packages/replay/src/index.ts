export * from "./format.ts";
export { type ReadStats, ReplayReader } from "./ndjson-reader.ts";
export { ReplayWriter } from "./ndjson-writer.ts";
export { RecordingHttpClient, recordFrames } from "./recorder.ts";
export {
  monitorOnly,
  type ReplayContext,
  type ReplayOptions,
  type ReplayPipeline,
  type ReplaySummary,
  replay,
} from "./replay-driver.ts";
export type { ExchangeLine, ReplayModule, ReplayProtocolServer } from "./replay-module.ts";
export { applyRange, requestsMatch } from "./request-match.ts";
