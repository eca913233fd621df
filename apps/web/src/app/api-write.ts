import { ApiError, authHeaders } from "./api.ts";

/** POST, PUT, PATCH or DELETE a JSON route of the public API with this tab's key or the session cookie. */
export async function sendJson<T>(
  method: "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(path, {
    method,
    // The session cookie goes with it; the browser adds this page's Origin, which the API checks.
    credentials: "same-origin",
    headers: {
      ...authHeaders(),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, err?.error?.message ?? `HTTP ${res.status}`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}
