import type { ReactNode } from "react";

/**
 * A wide table's horizontal scroller (narrow screens), named and reachable by keyboard so it can
 * be scrolled without a pointer.
 */
export function TableScroll({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard
    <section className="table-scroll" aria-label={label} tabIndex={0}>
      {children}
    </section>
  );
}
