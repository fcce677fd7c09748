import { describe, expect, it } from "vitest";
import {
  checkCustomRange,
  effectiveBucket,
  hourlyAllowed,
  timeseriesRequest,
  usageSearchSchema,
} from "./search";

const NOW = Date.parse("2026-11-27T12:00:00Z");

describe("usageSearchSchema", () => {
  it("drops malformed params instead of failing", () => {
    expect(usageSearchSchema.parse({ range: "1y", from: "yesterday", key: "" })).toEqual({});
    expect(
      usageSearchSchema.parse({ range: "custom", from: "2026-11-01", to: "2026-11-10" }),
    ).toEqual({ range: "custom", from: "2026-11-01", to: "2026-11-10" });
  });
});

describe("checkCustomRange", () => {
  it("turns inclusive UTC days into instants, capped at now", () => {
    expect(checkCustomRange("2026-11-01", "2026-11-10", NOW)).toEqual({
      ok: true,
      from: "2026-11-01T00:00:00.000Z",
      to: "2026-11-11T00:00:00.000Z",
    });
    expect(checkCustomRange("2026-11-20", "2026-11-27", NOW)).toEqual({
      ok: true,
      from: "2026-11-20T00:00:00.000Z",
      to: "2026-11-27T12:00:00.000Z",
    });
  });
  it("explains what is wrong", () => {
    expect(checkCustomRange(undefined, "2026-11-10", NOW)).toMatchObject({
      ok: false,
      field: "from",
    });
    expect(checkCustomRange("2026-02-31", "2026-03-10", NOW)).toMatchObject({ field: "from" });
    expect(checkCustomRange("2026-11-10", "2026-11-01", NOW)).toMatchObject({
      field: "to",
      message: "End is before the start",
    });
    expect(checkCustomRange("2026-12-10", "2026-12-11", NOW)).toMatchObject({ field: "from" });
    expect(checkCustomRange("2024-01-01", "2026-11-01", NOW)).toMatchObject({ field: "to" });
  });
});

describe("timeseriesRequest", () => {
  it("defaults to 7 days, all keys", () => {
    expect(timeseriesRequest({}, NOW)).toEqual({ ok: true, request: { range: "7d" } });
    expect(timeseriesRequest({ range: "24h", key: "key_1" }, NOW)).toEqual({
      ok: true,
      request: { range: "24h", keyId: "key_1" },
    });
  });
  it("refuses an invalid custom range", () => {
    expect(timeseriesRequest({ range: "custom" }, NOW).ok).toBe(false);
  });
});

describe("bucket override", () => {
  it("asks for the chosen bucket, or lets the server choose", () => {
    expect(timeseriesRequest({ range: "90d", bucket: "hour" }, NOW)).toEqual({
      ok: true,
      request: { range: "90d", bucket: "hour" },
    });
    expect(timeseriesRequest({ range: "90d", bucket: "day" }, NOW)).toEqual({
      ok: true,
      request: { range: "90d", bucket: "day" },
    });
    expect(timeseriesRequest({ range: "90d" }, NOW)).toEqual({
      ok: true,
      request: { range: "90d" },
    });
    expect(usageSearchSchema.parse({ bucket: "week" })).toEqual({});
  });
  it("allows hours up to 100 days (the server's 2,400 buckets)", () => {
    expect(hourlyAllowed({ range: "90d" }, NOW)).toBe(true);
    expect(hourlyAllowed({ range: "custom", from: "2026-08-20", to: "2026-11-27" }, NOW)).toBe(
      true,
    );
    expect(hourlyAllowed({ range: "custom", from: "2026-06-01", to: "2026-11-01" }, NOW)).toBe(
      false,
    );
  });
  it("falls back to auto when the URL asks for hours over a longer range", () => {
    const long = { range: "custom", from: "2026-01-01", to: "2026-11-01", bucket: "hour" } as const;
    expect(effectiveBucket(long, NOW)).toBe("auto");
    expect(timeseriesRequest(long, NOW)).toEqual({
      ok: true,
      request: {
        range: "custom",
        from: "2026-01-01T00:00:00.000Z",
        to: "2026-11-02T00:00:00.000Z",
      },
    });
    expect(effectiveBucket({ ...long, bucket: "day" }, NOW)).toBe("day");
    expect(effectiveBucket({}, NOW)).toBe("auto");
  });
});
