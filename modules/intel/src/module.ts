import { defineModule } from "@kamiyo/platform";
import { intelApi } from "./api/index.ts";

/** Exploit intelligence as the platform composes it. */
export const intelModule = defineModule({
  id: "intel",
  title: "Exploit intelligence",
  api: intelApi,
});
