import type { Observation } from "@kamiyo/core";

/** How a `Map` travels in an observation's JSON (the Hyperliquid monitor's venue prices hold one). */
const MAP = "$map";

/**
 * An observation as JSON text: plain JSON, with each `Map` written as `{"$map": [[key, value],
 * …]}` so it comes back a `Map`.
 * @throws TypeError for what JSON cannot carry faithfully (a `Set`, a `Date`, a bigint, a typed
 *   array, a non-finite number), naming the path.
 */
export function observationJson(obs: Observation): string {
  return JSON.stringify(obs, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Map) return { [MAP]: [...raw.entries()] };
    if (
      raw instanceof Set ||
      raw instanceof Date ||
      typeof raw === "bigint" ||
      ArrayBuffer.isView(raw) ||
      (typeof raw === "number" && !Number.isFinite(raw))
    )
      throw new TypeError(
        `observation ${obs.type}: ${key || "(root)"} cannot travel as JSON (${typeof raw === "object" ? raw?.constructor.name : String(raw)})`,
      );
    return value;
  });
}

/**
 * The observation {@link observationJson} wrote.
 * @throws SyntaxError for text that is not JSON; TypeError when it is not an observation (an
 *   object with a string `type` and a finite `time`).
 */
export function observationOfJson(text: string): Observation {
  const obs: unknown = JSON.parse(text, (_key, value: unknown) =>
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    MAP in value &&
    Object.keys(value).length === 1
      ? new Map((value as Record<typeof MAP, [unknown, unknown][]>)[MAP])
      : value,
  );
  const o = obs as Partial<Observation> | null;
  if (typeof o !== "object" || o === null || typeof o.type !== "string" || !Number.isFinite(o.time))
    throw new TypeError("not an observation: expected an object with a string type and a time");
  return obs as Observation;
}
