import { fileURLToPath } from "node:url";

/** The Nezha fixture folder of this module (`fixtures/nezha`: rca_data/ and construct_data/). */
export const NEZHA_FIXTURE = fileURLToPath(new URL("../../fixtures/nezha", import.meta.url));
