import type { WebModule } from "../app/web-module.ts";
import { hyperliquidWeb } from "./hyperliquid/index.ts";
import { intelWeb } from "./intel/index.tsx";
import { rcaWeb } from "./rca/index.ts";
import { shieldWeb } from "./shield/index.ts";

/** The product modules' pages in the dashboard, in navigation order (as `apps/cli/src/modules.ts`). */
export const WEB_MODULES: readonly WebModule[] = [hyperliquidWeb, intelWeb, rcaWeb, shieldWeb];
