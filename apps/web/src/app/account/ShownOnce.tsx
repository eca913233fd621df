import { useEffect, useRef, useState } from "react";

/**
 * A secret the API shows only once (a new or rotated API key): a warning, the value, a copy
 * button and a way to dismiss it. Focus moves to it when it appears, so it is not missed.
 */
export function ShownOnce({
  title,
  value,
  note,
  onDone,
}: {
  title: string;
  value: string;
  note?: string;
  onDone: () => void;
}) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), []);
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied("yes"),
      () => setCopied("failed"),
    );
  return (
    <div className="shown-once" role="status" tabIndex={-1} ref={box} aria-labelledby="once-title">
      <h2 id="once-title">{title}</h2>
      <p className="warning">
        Copy it now: it is shown only this once and cannot be read again. Keep it secret.
      </p>
      {note ? <p>{note}</p> : null}
      <code className="secret-value" data-secret="">
        {value}
      </code>
      <div className="actions">
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
        <span aria-live="polite">
          {copied === "yes" ? "Copied." : copied === "failed" ? "Could not copy: select it." : ""}
        </span>
      </div>
    </div>
  );
}
