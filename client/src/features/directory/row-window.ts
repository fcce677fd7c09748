import { useLayoutEffect, useState, type RefObject } from "react";

export type RowWindow = {
  /** First and last row index to render (inclusive); end < start when there is nothing. */
  start: number;
  end: number;
  /** Empty space above and below the rendered rows, so the scrollbar spans every row. */
  paddingTop: number;
  paddingBottom: number;
};

/**
 * Which rows of a fixed-row-height list are on screen, plus `overscan` rows either side. Every row
 * of the directory has the same height by design, so the window is plain arithmetic: no
 * measuring, and nothing shifts while scrolling.
 */
export function rowWindow(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 10,
): RowWindow {
  if (count <= 0) return { start: 0, end: -1, paddingTop: 0, paddingBottom: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const visible = Math.ceil(Math.max(viewportHeight, rowHeight) / rowHeight);
  const start = Math.min(count - 1, Math.max(0, first - overscan));
  const end = Math.min(count - 1, first + visible + overscan);
  return {
    start,
    end,
    paddingTop: start * rowHeight,
    paddingBottom: (count - 1 - end) * rowHeight,
  };
}

/**
 * The row window of a scroll container, updated at most once per animation frame on scroll or
 * resize. Hand-rolled rather than @tanstack/react-virtual: with fixed row heights this is all the
 * virtualiser would do, and it would cost ~10 KB gzip of the directory's 200 KB first-load budget.
 */
export function useRowWindow(
  ref: RefObject<HTMLElement | null>,
  { count, rowHeight, overscan = 10 }: { count: number; rowHeight: number; overscan?: number },
): RowWindow {
  const [viewport, setViewport] = useState({ top: 0, height: 800 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    let frame = 0;
    const read = () => {
      frame = 0;
      const next = { top: el.scrollTop, height: el.clientHeight };
      setViewport((v) => (v.top === next.top && v.height === next.height ? v : next));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(read);
    };
    read();
    el.addEventListener("scroll", schedule, { passive: true });
    const observer = new ResizeObserver(schedule);
    observer.observe(el);
    return () => {
      el.removeEventListener("scroll", schedule);
      observer.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ref]);
  return rowWindow(viewport.top, viewport.height, rowHeight, count, overscan);
}
