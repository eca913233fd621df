import { authHeaders } from "./api.ts";
import type { Finding } from "./types.ts";

export interface StreamEvent {
  id: string;
  change: string;
  finding: Finding;
}

/**
 * Follows `GET /stream` (Server-Sent Events) with this tab's key, which `EventSource` cannot
 * send: read with fetch, parsed event by event, resumed with Last-Event-ID after a drop (3 s
 * later, the server's `retry`). Stops when `signal` aborts.
 */
export async function followFindings(
  onEvent: (e: StreamEvent) => void,
  onState: (connected: boolean) => void,
  signal: AbortSignal,
): Promise<void> {
  let last: string | null = null;
  while (!signal.aborted) {
    try {
      const res = await fetch("/stream", {
        headers: { ...authHeaders(), ...(last ? { "last-event-id": last } : {}) },
        credentials: "same-origin",
        signal,
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onState(true);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => l.slice(5).trimStart())
            .join("\n");
          const id = block.split("\n").find((l) => l.startsWith("id:"));
          if (id) last = id.slice(3).trim();
          if (data) onEvent(JSON.parse(data) as StreamEvent);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      if (signal.aborted) return;
    }
    onState(false);
    await new Promise((r) => setTimeout(r, 3_000));
  }
}
