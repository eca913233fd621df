import type { ReactNode } from "react";

/**
 * A table's box that scrolls sideways on a narrow screen (or down, with `className`), reachable by
 * keyboard so it can be scrolled without a mouse, and named for screen readers.
 */
export function TableScroll({
  label,
  className,
  children,
}: {
  label: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes the keyboard's focus so it can scroll
    <section className={`table-scroll ${className ?? ""}`} aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
