import { type ReactNode, useEffect, useRef, useState } from "react";

/**
 * A button whose action waits for a second, explicit confirmation: the first press shows the
 * question with a confirm and a cancel button (focus moves to cancel, the safe choice; Escape
 * cancels too).
 */
export function ConfirmAction({
  label,
  question,
  confirmLabel,
  onConfirm,
  disabled,
  children,
}: {
  label: string;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => unknown;
  disabled?: boolean;
  /** Extra inputs asked with the question (e.g. how long an old key keeps working). */
  children?: ReactNode;
}) {
  const [asking, setAsking] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) cancel.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group of controls, not a form's fieldset
    <div
      className="confirm"
      role="group"
      aria-label={label}
      onKeyDown={(e) => {
        if (e.key === "Escape") setAsking(false);
      }}
    >
      <p>{question}</p>
      {children}
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" ref={cancel} onClick={() => setAsking(false)}>
        Cancel
      </button>
    </div>
  );
}
