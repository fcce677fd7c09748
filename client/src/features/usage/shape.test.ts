import { describe, expect, it } from "vitest";
import {
  bucketLabel,
  bucketTick,
  drawingNote,
  durationWords,
  instantAxis,
  MAX_DRAWN_POINTS,
  orderOutcomes,
  outcomeColor,
  outcomeLabel,
  peakGroups,
  staleNote,
  timeAxis,
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
    expect(bucketLabel("2026-11-27T18:00:00Z", "hour", 6 * 3_600_000)).toBe(
      "2026-11-27 18:00–00:00 UTC",
    );
    expect(bucketLabel("2026-11-27T00:00:00Z", "day", 3 * 86_400_000)).toBe(
      "2026-11-27 – 2026-11-29 UTC",
    );
  });
  it("names bucket and step lengths", () => {
    expect(durationWords(3_600_000)).toBe("hour");
    expect(durationWords(6 * 3_600_000)).toBe("6 hours");
    expect(durationWords(15 * 60_000)).toBe("15 minutes");
    expect(durationWords(86_400_000)).toBe("day");
    expect(durationWords(2 * 86_400_000)).toBe("2 days");
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

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Hourly bucket starts from `from` (ms), n of them. */
const hours = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i * HOUR);

describe("timeAxis", () => {
  const from = Date.parse("2026-08-29T10:00:00Z"); // a Saturday, 10:00
  it("labels 90 days of hours at a few Mondays, never every bucket", () => {
    const times = hours(from, 2160);
    const axis = timeAxis(times, "hour");
    expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
    expect(axis.ticks.length).toBeLessThanOrEqual(6);
    expect(axis.unit).toBe("day");
    for (const t of axis.ticks) {
      expect(times).toContain(t); // a category of the axis
      expect(new Date(t).getUTCDay()).toBe(1); // Monday
      expect(t % DAY).toBe(0); // midnight UTC
    }
    expect(axis.ticks.map((t) => bucketTick(t, axis.unit))).toEqual([
      "Aug 31",
      "Sep 28",
      "Oct 26",
      "Nov 23",
    ]);
  });
  it("keeps hours in the label while ticks are less than a day apart", () => {
    const axis = timeAxis(hours(Date.parse("2026-11-26T12:00:00Z"), 24), "hour");
    expect(axis.ticks.map((t) => bucketTick(t, axis.unit))).toEqual([
      "Nov 26 12:00",
      "Nov 26 18:00",
      "Nov 27 00:00",
      "Nov 27 06:00",
    ]);
  });
  it("labels every bucket when there are few, and every k-th when none is round", () => {
    expect(timeAxis([1, 2, 3], "hour").ticks).toEqual([1, 2, 3]);
    const odd = Array.from({ length: 100 }, (_, i) => 1_000 + i * 7_777);
    const axis = timeAxis(odd, "minute");
    expect(axis.ticks.length).toBeLessThanOrEqual(6);
    expect(axis.ticks[0]).toBe(odd[0]);
  });
});

describe("instantAxis", () => {
  it("puts round instants inside the window", () => {
    const start = Date.parse("2026-11-01T07:30:00Z");
    const end = Date.parse("2026-12-01T00:00:00Z");
    const axis = instantAxis(start, end);
    expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
    expect(axis.ticks.length).toBeLessThanOrEqual(6);
    expect(axis.unit).toBe("day");
    for (const t of axis.ticks) {
      expect(t).toBeGreaterThanOrEqual(start);
      expect(t).toBeLessThanOrEqual(end);
      expect(t % DAY).toBe(0);
    }
  });
  it("falls back to both ends for a window too short for any step", () => {
    expect(instantAxis(1_000, 2_000).ticks).toEqual([1_000, 2_000]);
  });
});

describe("peakGroups", () => {
  it("draws every bucket when they fit", () => {
    expect(peakGroups(hours(0, MAX_DRAWN_POINTS), () => 1)).toBeNull();
  });
  it("groups 90 days of hours into UTC-aligned 6-hour steps at their busiest hour", () => {
    const from = Date.parse("2026-08-29T10:00:00Z");
    const times = hours(from, 2160);
    const weight = (i: number) => (i * 37) % 11;
    const groups = peakGroups(times, weight)!;
    expect(groups.length).toBeLessThanOrEqual(MAX_DRAWN_POINTS);
    // 10:00 starts a partial group (10:00–12:00), then whole 6-hour groups from 12:00.
    expect(groups[0]).toMatchObject({ from: 0, to: 2 });
    expect(groups[1]).toMatchObject({ from: 2, to: 8 });
    expect(times[groups[1]!.from]! % (6 * HOUR)).toBe(0);
    // Every bucket in exactly one group, in order, and the peak is the (first) maximum.
    let next = 0;
    for (const g of groups) {
      expect(g.from).toBe(next);
      next = g.to;
      const ws = Array.from({ length: g.to - g.from }, (_, k) => weight(g.from + k));
      expect(weight(g.peak)).toBe(Math.max(...ws));
      expect(g.peak).toBe(g.from + ws.indexOf(Math.max(...ws)));
    }
    expect(next).toBe(times.length);
  });
  it("uses the smallest group that fits", () => {
    const groups = peakGroups(hours(0, 720), () => 0)!;
    expect(groups.every((g) => g.to - g.from === 2)).toBe(true);
  });
});

describe("drawing 90 days of hours", () => {
  const n = 2160;
  const from = "2026-08-29T10:00:00.000Z";
  // Hour i: VALID i % 50, USAGE_EXCEEDED 1 on every 7th hour; spent = VALID.
  const valid = Array.from({ length: n }, (_, i) => i % 50);
  const exceeded = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
  const hourly: TimeseriesData = {
    bucket: "hour",
    bucketMs: HOUR,
    from,
    buckets: n,
    outcomes: ["VALID", "USAGE_EXCEEDED"],
    counts: { VALID: valid, USAGE_EXCEEDED: exceeded },
    spent: valid,
    stale: null,
  };
  const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);

  it("keeps every hour exact in the rows and draws fewer points at real hours' values", () => {
    const chart = toVerificationChart(hourly);
    expect(chart.rows).toHaveLength(n);
    expect(chart.total).toBe(sum(valid) + sum(exceeded));
    const { drawn } = chart;
    expect(drawn.bucketsPerStep).toBe(6);
    expect(drawn.stepMs).toBe(6 * HOUR);
    expect(drawn.rows.length).toBeLessThanOrEqual(MAX_DRAWN_POINTS);
    const groups = drawn.groups!;
    expect(groups).toHaveLength(drawn.rows.length);
    // The group sums add up to the exact totals: nothing is lost, only not drawn.
    expect(sum(groups.map((g) => g.sums.VALID ?? 0))).toBe(sum(valid));
    expect(sum(groups.map((g) => g.sums.USAGE_EXCEEDED ?? 0))).toBe(sum(exceeded));
    expect(sum(groups.map((g) => g.buckets))).toBe(n);
    drawn.rows.forEach((row, i) => {
      const g = groups[i]!;
      // Drawn values are the busiest hour's, which is a real row of the table.
      expect(chart.rows).toContain(g.peak);
      expect(row.VALID).toBe(g.peak.VALID);
      expect(row.total).toBe(g.peak.total);
      expect(g.peakLabel).toBe(g.peak.label);
    });
    // The second group: 12:00–18:00 on Aug 29, hours 2..7, busiest = hour 7 (VALID 7, +1 exceeded).
    expect(drawn.rows[1]).toMatchObject({
      t: Date.parse("2026-08-29T12:00:00Z"),
      label: "2026-08-29 12:00–18:00 UTC",
      VALID: 7,
      USAGE_EXCEEDED: 1,
      total: 8,
    });
    expect(groups[1]).toMatchObject({ buckets: 6, total: 2 + 3 + 4 + 5 + 6 + 7 + 1 });
    expect(chart.axis.ticks.every((t) => drawn.rows.some((r) => r.t === t))).toBe(true);
  });

  it("labels every hour as bucketLabel does", () => {
    const chart = toVerificationChart(hourly);
    for (const row of chart.rows) expect(row.label).toBe(bucketLabel(row.t, "hour", HOUR));
    expect(chart.rows[14]!.label).toBe("2026-08-30 00:00–01:00 UTC");
    expect(chart.rows[13]!.label).toBe("2026-08-29 23:00–00:00 UTC");
    const quarter = toSpentChart({ ...hourly, bucket: "minute", bucketMs: 15 * 60_000 });
    for (const row of quarter.rows) expect(row.label).toBe(bucketLabel(row.t, "minute", 900_000));
  });

  it("does the same for credits spent", () => {
    const chart = toSpentChart(hourly);
    expect(chart.rows).toHaveLength(n);
    expect(chart.total).toBe(sum(valid));
    expect(chart.drawn.bucketsPerStep).toBe(6);
    expect(sum(chart.drawn.groups!.map((g) => g.sum))).toBe(sum(valid));
    expect(chart.drawn.rows[1]).toMatchObject({ spent: 7, label: "2026-08-29 12:00–18:00 UTC" });
    expect(chart.drawn.groups![1]).toMatchObject({ peak: 7, sum: 27, buckets: 6 });
  });

  it("says so under the chart, and says nothing when every bucket is drawn", () => {
    const chart = toVerificationChart(hourly);
    expect(drawingNote(chart.drawn, chart.rows.length, HOUR)).toBe(
      "Drawn in steps of 6 hours, each at its busiest hour: 2,160 buckets do not fit the chart's width. The tooltip and the table have exact numbers per hour.",
    );
    const small = toVerificationChart(series);
    expect(small.drawn.rows).toBe(small.rows);
    expect(small.drawn.groups).toBeNull();
    expect(drawingNote(small.drawn, small.rows.length, HOUR)).toBeNull();
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
