import { describe, expect, it } from "vitest";
import { poolKey, poolUsageText } from "./pool-usage";

describe("pool usage", () => {
  it("matches pools regardless of key order", () => {
    expect(poolKey({ name: "requests", scope: "key", keyIds: ["b", "a"] })).toBe(
      poolKey({ name: "requests", scope: "key", keyIds: ["a", "b"] }),
    );
  });
  it("shows the peak against the limit, or why it is unknown", () => {
    expect(
      poolUsageText(
        {
          derivable: true,
          tag: "pool:requests",
          peakPerWindow: 42,
          peakPercent: 84,
          totalTagged: 1234,
          granularity: "fixed 60000 ms windows, last 24 h",
        },
        50,
      ),
    ).toEqual({
      text: "Peak 42 of 50 (84 %)",
      detail: "1,234 verifications tagged “pool:requests”; fixed 60000 ms windows, last 24 h",
    });
    expect(poolUsageText({ derivable: false, reason: "No tags name this pool" }, 10)).toEqual({
      text: "Not derivable",
      detail: "No tags name this pool",
    });
  });
});
