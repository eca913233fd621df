export type { DerivedDetector } from "./derived-detector.ts";
export type * from "./history.ts";
export * from "./monitor.ts";
export { type AfterFindings, MonitorStore } from "./monitor-store.ts";
export * from "./plugins.ts";
