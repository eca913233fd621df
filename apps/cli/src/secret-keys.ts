import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { newSecretKeyEntry, parseSecretKeys, SecretBox } from "@kamiyo/core";
import type { AppConfig } from "./config/app-config.ts";

/** The embedded install's key file, in its data directory (made on first use, mode 0600). */
export const DATA_DIR_KEY_FILE = "secret-keys";

/**
 * The key ring secrets stored for tenants are sealed with: KAMIYO_SECRET_KEYS, else the file
 * KAMIYO_SECRET_KEYS_FILE names, else, on the embedded database, the data directory's own key
 * file (made with a new random key the first time, readable by its owner only: a backup of the
 * directory then holds its key). With DATABASE_URL and neither setting: null, and no secret can
 * be stored (every replica must share the key, so none is made up).
 * @throws Error naming the setting or file whose keys are not a ring.
 */
export function secretBoxFor(config: AppConfig): SecretBox | null {
  const { keys, file } = config.secretKeys;
  if (keys) return new SecretBox(keys);
  if (file) return ringFromFile(file, "KAMIYO_SECRET_KEYS_FILE");
  if (config.databaseUrl) return null;
  const path = join(config.dataDir, DATA_DIR_KEY_FILE);
  try {
    writeFileSync(
      path,
      `# Kamiyo's key ring (docs/self-hosting.md, "Secrets")\n${newSecretKeyEntry("k1")}\n`,
      {
        flag: "wx",
        mode: 0o600,
      },
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return ringFromFile(path, "the data directory's key file");
}

function ringFromFile(path: string, what: string): SecretBox {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new Error(`${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return new SecretBox(parseSecretKeys(text));
  } catch (err) {
    throw new Error(`${what} ${path}: ${(err as Error).message}`);
  }
}
