import { useEffect, useState } from "react";

/** The API key this browser tab signed in with (none on an install without keys). */
const KEY = "kamiyo-api-key";

export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (key: string) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** An answer of the API other than 2xx: its status and its error envelope's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The signed-in key's headers (none when the install needs no key). */
export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key ? { "x-api-key": key } : {};
}

/**
 * Signs out: forgets this tab's key and ends the session cookie's session (the API clears the
 * cookie). Never throws: the page is signed out either way.
 */
export async function signOut(): Promise<void> {
  apiKey.clear();
  await fetch("/auth/session", { method: "DELETE", credentials: "same-origin" }).catch(() => {});
}

/**
 * GET a JSON route of the public API with this tab's key, or the session cookie (sent on
 * same-origin requests: `credentials: "same-origin"`, fetch's default, stated).
 */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: authHeaders(), credentials: "same-origin", signal });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  }
  return (await res.json()) as T;
}

/**
 * GETs `path` when the component mounts (and again when `path` changes), with this tab's key; the
 * request is aborted if the component goes away first. With `everyMs`, GETs it again every so
 * often, keeping what it shows until the new answer arrives (live pages don't flicker or shift).
 * A null `path` GETs nothing. A `path` that is a function of now names a time window ending now:
 * it is called on each request, so a refresh moves the window on, and `key` (what it reads
 * besides now) restarts it.
 */
export function useApi<T>(
  path: string | null | ((now: number) => string),
  opts: { everyMs?: number; key?: string } = {},
): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({
    data: null,
    error: null,
  });
  const { everyMs } = opts;
  const restartOn = typeof path === "function" ? `key:${opts.key ?? ""}` : path;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `restartOn` stands for `path` (or, for a window, `key`)
  useEffect(() => {
    setState({ data: null, error: null });
    if (path === null) return;
    const abort = new AbortController();
    const load = () =>
      getJson<T>(typeof path === "function" ? path(Date.now()) : path, abort.signal)
        .then((data) => setState({ data, error: null }))
        .catch((e: Error) => {
          if (!abort.signal.aborted) setState((s) => ({ data: s.data, error: e.message }));
        });
    load();
    const timer = everyMs ? setInterval(load, everyMs) : undefined;
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, [restartOn, everyMs]);
  return state;
}
