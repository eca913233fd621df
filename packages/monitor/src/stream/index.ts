// The pipeline's observations between processes (`@kamiyo/monitor/stream`): imported only by the
// roles that use NATS, so a single process never loads its client.
export { observationJson, observationOfJson } from "./observation-json.ts";
export {
  type ConsumeOptions,
  type ObservationBatch,
  ObservationStream,
  type ObservationStreamOptions,
} from "./observation-stream.ts";
