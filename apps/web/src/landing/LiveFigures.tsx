import { useEffect, useState } from "react";

interface Figure {
  key: string;
  label: string;
  value: number;
}

/** What this install knows right now (`GET /figures`), refreshed every 30 s. */
export function LiveFigures() {
  const [figures, setFigures] = useState<Figure[] | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = () =>
      fetch("/figures")
        .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
        .then((body: { figures: Figure[] }) => {
          if (!stopped) setFigures(body.figures);
        })
        .catch(() => {
          // The figures are a bonus on the page: it stays as it is when they cannot be read.
        });
    load();
    const timer = setInterval(load, 30_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <section aria-labelledby="figures-title" className="figures">
      <h2 id="figures-title" className="visually-hidden">
        Live figures
      </h2>
      <dl aria-busy={figures === null}>
        {(figures ?? PLACEHOLDERS).map((f) => (
          <div key={f.key} className="figure" data-figure={f.key}>
            <dt>{f.label}</dt>
            <dd>{figures === null ? "…" : f.value.toLocaleString("en-US")}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** The same boxes before the first answer, so nothing moves when it comes. */
const PLACEHOLDERS: Figure[] = [
  { key: "openFindings", label: "open findings", value: 0 },
  { key: "exploitsTracked", label: "exploits tracked", value: 0 },
  { key: "sources", label: "sources", value: 0 },
];
