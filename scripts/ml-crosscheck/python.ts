import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Debian's Python, where python3-sklearn and python3-statsmodels are installed. */
export const PYTHON = "/usr/bin/python3";

/**
 * Runs a reference-side script beside this file and parses the JSON it prints. Exits the
 * process with 2 (and says which library is missing) when Python or the library cannot be
 * imported (the scripts exit 2 then), and with 1 when the script fails otherwise.
 */
export function runPython<T>(
  script: string,
  args: readonly string[],
  opts: { library: string; input?: string },
): T {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const py = spawnSync(PYTHON, [path, ...args], {
    input: opts.input,
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
  });
  if (py.error || py.status === 2) {
    console.error(
      `${PYTHON} with ${opts.library} is needed for the cross-check: ${py.error?.message ?? py.stderr.trim()}`,
    );
    process.exit(2);
  }
  if (py.status !== 0) {
    console.error(`${PYTHON} ${path} failed (exit ${py.status}):\n${py.stderr}`);
    process.exit(1);
  }
  return JSON.parse(py.stdout) as T;
}
