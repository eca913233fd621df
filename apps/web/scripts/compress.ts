/**
 * Writes a Brotli (`.br`) and a gzip (`.gz`) copy beside each built asset, so that
 * `@fastify/static` (`preCompressed`) sends the smallest one the browser accepts without
 * compressing on every request. Run after `vite build` (`npm run build -w @kamiyo/web`).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const ASSETS = fileURLToPath(new URL("../dist/client/assets/", import.meta.url));

for (const name of readdirSync(ASSETS)) {
  if (!/\.(js|css|svg|json)$/.test(name)) continue;
  const body = readFileSync(join(ASSETS, name));
  writeFileSync(
    join(ASSETS, `${name}.br`),
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  );
  writeFileSync(join(ASSETS, `${name}.gz`), gzipSync(body, { level: 9 }));
}
