import { ApiError, authHeaders } from "../api.ts";

/**
 * Downloads `GET /audit-log/export` (NDJSON) as a file. The key travels in a header, which a
 * plain link cannot send, so it is fetched with it and saved from a blob.
 * @throws ApiError with the API's message when the export is refused.
 */
export async function downloadAuditLog(since: string | null): Promise<void> {
  const query = since ? `?since=${encodeURIComponent(since)}` : "";
  const res = await fetch(`/audit-log/export${query}`, { headers: authHeaders() });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new ApiError(res.status, body?.error?.message ?? `HTTP ${res.status}`);
  }
  const url = URL.createObjectURL(await res.blob());
  try {
    const link = document.createElement("a");
    link.href = url;
    link.download = "audit-log.ndjson";
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // The click has handed the blob to the download; the URL is not needed after this turn.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
