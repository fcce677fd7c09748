import { describe, expect, it } from "vitest";
import {
  bucketLabel,
  bucketTick,
  orderOutcomes,
  outcomeColor,
  outcomeLabel,
  staleNote,
  toBurndownChart,
  toSpentChart,
  toVerificationChart,
} from "./shape";
import type { BurndownData, TimeseriesData } from "./types";

describe("bucket labels", () => {
  it("labels ticks by bucket size, in UTC", () => {
    expect(bucketTick("2026-11-27T14:05:00Z", "minute")).toBe("14:05");
    expect(bucketTick("2026-11-27T14:00:00Z", "hour")).toBe("Nov 27 14:00");
    expect(bucketTick("2026-11-27T00:00:00Z", "day")).toBe("Nov 27");
  });
  it("labels the whole bucket", () => {
    expect(bucketLabel("2026-11-27T14:00:00Z", "hour", 3_600_000)).toBe(
      "2026-11-27 14:00–15:00 UTC",
    );
    expect(bucketLabel("2026-11-27T23:55:00Z", "minute", 300_000)).toBe(
      "2026-11-27 23:55–00:00 UTC",
    );
    expect(bucketLabel("2026-11-27T00:00:00Z", "day", 86_400_000)).toBe("2026-11-27 UTC");
  });
});

describe("outcomes", () => {
  it("stacks VALID at the bottom, known failures next, unknown ones alphabetically", () => {
    expect(
      orderOutcomes(["ZED", "RATE_LIMITED", "ABC", "VALID", "USAGE_EXCEEDED", "VALID"]),
    ).toEqual(["VALID", "USAGE_EXCEEDED", "RATE_LIMITED", "ABC", "ZED"]);
  });
  it("maps each outcome to the same colour wherever it appears", () => {
    expect(outcomeColor("VALID")).toBe("var(--mantine-color-teal-6)");
    expect(outcomeColor("USAGE_EXCEEDED")).toBe("var(--mantine-color-orange-6)");
    expect(outcomeColor("SOMETHING_NEW")).toBe(outcomeColor("SOMETHING_NEW"));
    expect(outcomeColor("SOMETHING_NEW")).toMatch(/^var\(--mantine-color-/);
  });
  it("labels outcomes in words", () => {
    expect(outcomeLabel("USAGE_EXCEEDED")).toBe("Usage exceeded");
    expect(outcomeLabel("VALID")).toBe("Valid");
  });
});

const series: TimeseriesData = {
  bucket: "hour",
  bucketMs: 3_600_000,
  from: "2026-11-27T00:00:00Z",
  buckets: 3,
  outcomes: ["USAGE_EXCEEDED", "VALID", "DISABLED"],
  counts: {
    VALID: [5, 0, 2],
    USAGE_EXCEEDED: [1, 0, 0],
    RATE_LIMITED: [0, 0, 3],
    DISABLED: [0, 0],
  },
  spent: [5, 0, 2],
  stale: null,
};

describe("toVerificationChart", () => {
  it("fills every outcome in every row and orders the stack", () => {
    const chart = toVerificationChart(series);
    expect(chart.series.map((s) => s.key)).toEqual(["VALID", "USAGE_EXCEEDED", "RATE_LIMITED"]);
    expect(chart.series.map((s) => s.total)).toEqual([7, 1, 3]);
    expect(chart.total).toBe(11);
    expect(chart.rows).toHaveLength(3);
    expect(chart.rows[1]).toMatchObject({ VALID: 0, USAGE_EXCEEDED: 0, DISABLED: 0, total: 0 });
    expect(chart.rows[2]).toMatchObject({ VALID: 2, RATE_LIMITED: 3, total: 5 });
    expect(chart.rows[0]!.label).toBe("2026-11-27 00:00–01:00 UTC");
    expect(chart.rows[2]!.t).toBe(Date.parse("2026-11-27T02:00:00Z"));
  });
  it("reports an empty range", () => {
    const chart = toVerificationChart({ ...series, counts: { VALID: [0, 0, 0] } });
    expect(chart.total).toBe(0);
    expect(chart.series).toEqual([]);
  });
});

describe("toSpentChart", () => {
  it("keeps one row per bucket and sums", () => {
    const chart = toSpentChart(series);
    expect(chart.rows.map((r) => r.spent)).toEqual([5, 0, 2]);
    expect(chart.total).toBe(7);
  });
});

describe("toBurndownChart", () => {
  const data: BurndownData = {
    from: "2026-11-27T00:00:00Z",
    to: "2026-11-27T06:00:00Z",
    nextRefillAt: "2026-11-28T00:00:00Z",
    actual: [
      { t: "2026-11-27T06:00:00Z", balance: 600 },
      { t: "2026-11-27T00:00:00Z", balance: 1000 },
    ],
    projected: [
      { t: "2026-11-27T09:00:00Z", balance: 300 },
      { t: "2026-11-27T12:00:00Z", balance: -100 },
    ],
    forecast: { kind: "runs_out", at: "2026-11-27T12:00:00Z" },
    markers: [{ t: "2026-11-27T03:00:00Z", kind: "grant", label: "Grant +500" }],
  };
  it("starts the projected line at the last actual point and clamps it at zero", () => {
    const chart = toBurndownChart(data);
    expect(chart.rows).toEqual([
      { t: Date.parse("2026-11-27T00:00:00Z"), actual: 1000, projected: null },
      { t: Date.parse("2026-11-27T06:00:00Z"), actual: 600, projected: 600 },
      { t: Date.parse("2026-11-27T09:00:00Z"), actual: null, projected: 300 },
      { t: Date.parse("2026-11-27T12:00:00Z"), actual: null, projected: 0 },
    ]);
    expect(chart.refillAt).toBe(Date.parse("2026-11-28T00:00:00Z"));
    expect(chart.domain).toEqual([
      Date.parse("2026-11-27T00:00:00Z"),
      Date.parse("2026-11-28T00:00:00Z"),
    ]);
    expect(chart.markers).toEqual([
      { t: Date.parse("2026-11-27T03:00:00Z"), kind: "grant", label: "Grant +500" },
    ]);
    expect(chart.empty).toBe(false);
  });
  it("is empty without actual points and has no refill line without a refill", () => {
    const chart = toBurndownChart({ ...data, actual: [], projected: [], nextRefillAt: null });
    expect(chart.empty).toBe(true);
    expect(chart.refillAt).toBeNull();
  });
});

describe("staleNote", () => {
  it("says how old the data is", () => {
    expect(staleNote(20)).toBe("Stale data from 1 min ago");
    expect(staleNote(720)).toBe("Stale data from 12 min ago");
    expect(staleNote(3 * 3600)).toBe("Stale data from 3 h ago");
  });
});
