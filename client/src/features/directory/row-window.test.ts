import { describe, expect, it } from "vitest";
import { rowWindow } from "./row-window";

describe("rowWindow", () => {
  it("renders the visible rows plus overscan at the top", () => {
    expect(rowWindow(0, 530, 53, 100_000, 5)).toEqual({
      start: 0,
      end: 15,
      paddingTop: 0,
      paddingBottom: (100_000 - 16) * 53,
    });
  });

  it("jumps straight to the middle of 100k rows", () => {
    const w = rowWindow(80_000 * 53, 530, 53, 100_000, 5);
    expect(w.start).toBe(79_995);
    expect(w.end).toBe(80_015);
    expect(w.paddingTop + (w.end - w.start + 1) * 53 + w.paddingBottom).toBe(100_000 * 53);
  });

  it("clamps at the end and for short lists", () => {
    const w = rowWindow(99_990 * 53, 530, 53, 100_000, 5);
    expect(w.end).toBe(99_999);
    expect(w.paddingBottom).toBe(0);
    expect(rowWindow(0, 800, 53, 3)).toEqual({ start: 0, end: 2, paddingTop: 0, paddingBottom: 0 });
    expect(rowWindow(0, 800, 53, 0).end).toBe(-1);
  });
});
