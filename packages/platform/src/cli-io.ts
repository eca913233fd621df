/**
 * Where a command's output goes and which environment it reads: the process's for the `kamiyo`
 * bin, a test's when the CLI runs in-process.
 */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard output: findings, tables, JSON lines. */
  out(text: string): void;
  /** Standard error: messages and warnings. */
  err(text: string): void;
  /** Where the JSON logs go (default: stderr, written synchronously). */
  readonly logs?: { write(line: string): void };
}

/** The process's own environment, stdout and stderr. */
export const processIo: CliIo = {
  env: process.env,
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** Ends a command with an exit code, its message already written (usage and configuration errors). */
export class CliExit extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.name = "CliExit";
    this.code = code;
  }
}
