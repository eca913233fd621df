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
  /**
   * Reads a secret (a password): at a terminal asked for with `prompt` and not echoed, else the
   * first line of standard input. Secrets never come from the command line, which other users
   * of the machine can read in the process list and which shells keep in their history.
   */
  readSecret?(prompt: string): Promise<string>;
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
  readSecret: (prompt) => readSecret(process.stdin, process.stderr, prompt),
};

/**
 * A line from `input`: typed at a terminal without echo (Enter ends it, Ctrl-C aborts), or the
 * first line of piped input.
 * @throws Error when input ends before anything was read, or on Ctrl-C.
 */
export async function readSecret(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  prompt: string,
): Promise<string> {
  if (!input.isTTY) {
    let text = "";
    for await (const chunk of input) {
      text += String(chunk);
      if (text.includes("\n")) break;
    }
    const line = text.split(/\r?\n/)[0] ?? "";
    if (line.length === 0) throw new Error("nothing on standard input");
    return line;
  }
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chars: string) => {
        for (const c of chars) {
          if (c === "\r" || c === "\n" || c === "\u0004") {
            input.off("data", onData);
            return resolve(typed);
          }
          if (c === "\u0003") {
            input.off("data", onData);
            return reject(new Error("interrupted"));
          }
          typed = c === "\u007f" || c === "\b" ? typed.slice(0, -1) : typed + c;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    output.write("\n");
  }
}

/** Ends a command with an exit code, its message already written (usage and configuration errors). */
export class CliExit extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.name = "CliExit";
    this.code = code;
  }
}
