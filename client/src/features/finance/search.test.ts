import { describe, expect, it } from "vitest";
import {
  currentMonth,
  financeSearchSchema,
  formatChange,
  monthLabel,
  monthOptions,
  shiftMonth,
} from "./search";

const NOW = Date.parse("2026-11-27T12:00:00Z");

describe("finance month", () => {
  it("parses the month param and drops anything else", () => {
    expect(financeSearchSchema.parse({ month: "2026-10" })).toEqual({ month: "2026-10" });
    expect(financeSearchSchema.parse({ month: "2026-13" })).toEqual({});
    expect(financeSearchSchema.parse({ month: "last" })).toEqual({});
  });
  it("moves across year boundaries", () => {
    expect(currentMonth(NOW)).toBe("2026-11");
    expect(shiftMonth("2026-01", -1)).toBe("2025-12");
    expect(shiftMonth("2025-12", 1)).toBe("2026-01");
  });
  it("labels and lists months newest first", () => {
    expect(monthLabel("2026-11")).toBe("November 2026");
    expect(monthOptions(NOW, 3)).toEqual(["2026-11", "2026-10", "2026-09"]);
  });
});

describe("formatChange", () => {
  it("signs the month-over-month change", () => {
    expect(formatChange(12.345, 10)).toBe("+12 %");
    expect(formatChange(-3.21, -3)).toBe("−3.2 %");
    expect(formatChange(0, 0)).toBe("no change");
    expect(formatChange(null, 5)).toBe("new this month");
    expect(formatChange(null, 0)).toBe("no change");
  });
});
