import { defineModule } from "@kamiyo/platform";
import { shieldCli } from "./cli/shield-commands.ts";

/**
 * Shield, governance for growth teams' ad spend, as the platform composes it. So far its
 * lifetime-value models and their command (`kamiyo shield ltv fit`); no tables or routes yet.
 */
export const shieldModule = defineModule({
  id: "shield",
  title: "Shield",
  cli: shieldCli,
});
