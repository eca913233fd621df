/** The error levels a log line can have; other lines are not errors. */
export type ErrorLevel = "error" | "fatal" | "panic" | "exception";

const LEVEL_FIELDS = ["level", "lvl", "severity", "log.level", "levelname", "loglevel", "@l"];

/**
 * The error level of one log line, or undefined when it is not an error:
 * 1. a JSON line with a level field (`level`, `lvl`, `severity`, `log.level`, `levelname`,
 *    `loglevel`, `@l`) is decided by it alone (pino/bunyan numbers: 50 error, 60 fatal), so
 *    `{"level":"info","msg":"0 errors"}` is not an error;
 * 2. logfmt `level=error` (and `lvl=`, `severity=`);
 * 3. klog's `E0102 15:04:05.123456` / `F…` prefix (Kubernetes components);
 * 4. text patterns: Go's `panic:`, Python's `Traceback (most recent call last)`, a Java/.NET
 *    `…Exception:` or `Exception in thread`, an upper-case `ERROR`/`FATAL`/`CRITICAL`/`PANIC`
 *    word, nginx's `[error]`/`[crit]`/`[alert]`/`[emerg]`.
 * Lower-case "error" in free text is not enough ("retrying after error" is common and benign),
 * and stack-frame lines (`  at com.x.Y(...)`) are not counted again.
 */
export function errorLevelOf(line: string): ErrorLevel | undefined {
  const text = line.trimStart();
  if (text.startsWith("{")) {
    const level = jsonLevel(text);
    if (level !== undefined) return level ?? undefined;
  }
  const logfmt = /(?:^|\s)(?:level|lvl|severity)=("?)([A-Za-z]+)\1(?:\s|$)/.exec(text);
  if (logfmt?.[2]) return levelFromName(logfmt[2]);
  const klog = /^([EF])\d{4} \d{2}:\d{2}:\d{2}\.\d+/.exec(text);
  if (klog) return klog[1] === "F" ? "fatal" : "error";
  if (/^panic: /.test(text)) return "panic";
  if (/^Traceback \(most recent call last\)/.test(text)) return "exception";
  if (/^Exception in thread |^[\w.$]*(?:Exception|Error)(?::|$)/.test(text)) return "exception";
  if (/\b(?:FATAL|CRITICAL)\b/.test(text)) return "fatal";
  if (/\bPANIC\b/.test(text)) return "panic";
  if (/\b(?:ERROR|ERR)\b|\[(?:error|crit|alert|emerg)\]/.test(text)) return "error";
  return undefined;
}

/** The level a JSON line declares: an error level, null when it declares a non-error one, undefined when none. */
function jsonLevel(text: string): ErrorLevel | null | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  for (const field of LEVEL_FIELDS) {
    const v = field in o ? o[field] : nested(o, field);
    if (typeof v === "number") return v >= 60 ? "fatal" : v >= 50 ? "error" : null;
    if (typeof v === "string") return levelFromName(v) ?? null;
  }
  return undefined;
}

function nested(o: Record<string, unknown>, path: string): unknown {
  let cur: unknown = o;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function levelFromName(name: string): ErrorLevel | undefined {
  switch (name.toLowerCase()) {
    case "error":
    case "err":
    case "e":
      return "error";
    case "fatal":
    case "critical":
    case "crit":
    case "alert":
    case "emerg":
    case "emergency":
    case "f":
      return "fatal";
    case "panic":
    case "dpanic":
      return "panic";
    default:
      return undefined;
  }
}
