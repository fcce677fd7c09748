import { describe, expect, it } from "vitest";
import { formatRefill, poolChanges } from "./plan-format";

describe("formatRefill", () => {
  it("reads refills in words", () => {
    expect(formatRefill(null)).toBe("None");
    expect(formatRefill({ interval: "daily", amount: 1000, refillDay: null })).toBe("1,000 daily");
    expect(formatRefill({ interval: "monthly", amount: 50000, refillDay: 1 })).toBe(
      "50,000 monthly on day 1",
    );
  });
});

describe("poolChanges", () => {
  it("matches pools by name", () => {
    const rows = poolChanges(
      [{ name: "api", limit: 10, durationMs: 1000, scope: "identity" }],
      [
        { name: "api", limit: 20, durationMs: 1000, scope: "identity" },
        { name: "burst", limit: 5, durationMs: 1000, scope: "key" },
      ],
    );
    expect(rows.map((r) => r.name)).toEqual(["api", "burst"]);
    expect(rows[1]?.before).toBe("—");
    expect(rows[0]?.before).not.toBe(rows[0]?.after);
  });
});
