export * from "./eth-backstop.ts";
export * from "./live-upstream.ts";
