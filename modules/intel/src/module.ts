import { defineModule } from "@kamiyo/platform";
import { intelApi } from "./api/index.ts";
import { intelCli } from "./cli/intel-commands.ts";
import { type IntelConfig, intelConfig } from "./sync/feeds.ts";

/** Exploit intelligence as the platform composes it. */
export const intelModule = defineModule<IntelConfig>({
  id: "intel",
  title: "Exploit intelligence",
  api: intelApi,
  settings: { prefix: "INTEL", schema: intelConfig, secrets: ["defillamaApiKey"] },
  cli: intelCli,
});
