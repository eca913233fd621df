export * from "./monitor.ts";
export * from "./monitor-config.ts";
export { MonitorStore } from "./monitor-store.ts";
