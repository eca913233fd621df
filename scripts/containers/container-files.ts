/** The repository's container files, read for the tests that check them against each other and the app. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Copy, DockerfileParser, type Instruction, JSONInstruction } from "dockerfile-ast";
import { parse } from "yaml";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function readText(path: string): string {
  return readFileSync(`${ROOT}${path}`, "utf8");
}

export function readYaml<T>(path: string): T {
  return parse(readText(path)) as T;
}

/** One build stage of the Dockerfile. */
export interface Stage {
  /** The FROM's image, as written (`${NODE_IMAGE}`). */
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface DockerfileSummary {
  /** The global ARGs' defaults (before the first FROM). */
  args: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(text = readText("Dockerfile")): DockerfileSummary {
  const file = DockerfileParser.parse(text);
  const args: Record<string, string> = {};
  for (const arg of file.getInitialARGs()) {
    const p = arg.getProperty();
    if (p) args[p.getName()] = p.getValue() ?? "";
  }
  const stages: Stage[] = [];
  for (const instruction of file.getInstructions()) {
    if (instruction.getKeyword() === "FROM") {
      const [image, , name] = instruction.getArguments().map((a) => a.getValue());
      stages.push({ image: image ?? "", name: name ?? null, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return { args, stages };
}

/** A stage's instructions with this keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.getKeyword() === keyword);
}

/** A stage's COPY instructions: the stage copied from (`--from`; null: the build context), sources and target. */
export function copiesOf(
  stage: Stage,
): { from: string | null; sources: string[]; target: string }[] {
  return instructionsOf(stage, "COPY").map((c) => {
    const args = c.getArguments().map((a) => a.getValue());
    const from = c instanceof Copy ? (c.getFromFlag()?.getValue() ?? null) : null;
    return { from, sources: args.slice(0, -1), target: args.at(-1) ?? "" };
  });
}

/** An exec-form (JSON array) instruction's strings; null in shell form. */
export function execForm(instruction: Instruction): string[] | null {
  if (!(instruction instanceof JSONInstruction)) return null;
  const strings = instruction.getJSONStrings().map((s) => s.getJSONValue());
  return strings.length > 0 ? strings : null;
}

/** The ENV a stage sets, by name. */
export function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of instructionsOf(stage, "ENV")) {
    const args = i.getArguments().map((a) => a.getValue());
    for (const a of args) {
      const eq = a.indexOf("=");
      if (eq > 0) out[a.slice(0, eq)] = a.slice(eq + 1);
    }
  }
  return out;
}

export interface Healthcheck {
  test: string[];
}

export interface ComposeService {
  image?: string;
  build?: string | { context: string };
  read_only?: boolean;
  tmpfs?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  command?: string[];
  healthcheck?: Healthcheck;
  depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readText(path).split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1]) out[m[1]] = m[2] ?? "";
  }
  return out;
}

/**
 * Compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?error}` from `vars`
 * (an unset required variable throws, as Compose refuses the file).
 */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Z_][A-Z0-9_]*)(?:(:-|:\?)([^}]*))?\}/g,
    (_m, name: string, op?: string, arg?: string) => {
      const value = vars[name];
      if (value !== undefined && value !== "") return value;
      if (op === ":?") throw new Error(`${name} is required: ${arg}`);
      return op === ":-" ? (arg ?? "") : "";
    },
  );
}

/** A bind or volume mount `source:target[:mode]`. */
export interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

export function mountsOf(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((v) => {
    const [source = "", target = "", mode] = v.split(":");
    return { source, target, readOnly: mode === "ro" };
  });
}
