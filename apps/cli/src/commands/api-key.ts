import { hashApiKey, newApiKey } from "@kamiyo/api";
import type { CliIo } from "../cli-io.ts";

/** `kamiyo api-key create`: a new key (shown once) and the hash to configure in API_KEY_HASHES. */
export function apiKeyCreateCommand(stdio: CliIo): void {
  const key = newApiKey();
  stdio.out(
    `API key (give it to the client; it is not stored anywhere):\n  ${key}\n\nAdd its hash to API_KEY_HASHES (comma-separated):\n  ${hashApiKey(key)}\n`,
  );
}
