import type { ReactNode } from "react";

/**
 * A wide table that scrolls sideways on narrow screens. Focusable and named, so keyboard users can
 * scroll it too (axe: scrollable-region-focusable); Mantine's ScrollContainer viewport is neither.
 */
export function ScrollRegion({
  label,
  minWidth,
  children,
}: {
  /** Distinct from the section's own name: two landmarks must not share one. */
  label: string;
  minWidth: number;
  children: ReactNode;
}) {
  return (
    <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: "auto" }}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}
