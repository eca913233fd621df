import { useApi } from "./api.ts";

interface Meta {
  demo: { recording: string; description: string; speed: number } | null;
}

/** Says so when the install is `kamiyo serve --demo`: what it replays, and that nothing is live. */
export function DemoBanner() {
  const { data } = useApi<Meta>("/meta");
  if (!data?.demo) return null;
  return (
    <aside className="demo-banner" aria-label="Demo">
      <strong>Demo:</strong> a replay of {data.demo.recording} at {data.demo.speed}× its speed into
      a temporary database. Times are the incident's; nothing here is live or kept.{" "}
      <details>
        <summary>What the recording is</summary>
        <p>{data.demo.description}</p>
      </details>
    </aside>
  );
}
