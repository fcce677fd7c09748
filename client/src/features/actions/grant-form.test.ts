import { describe, expect, it } from "vitest";
import { grantImpact, parseAmount, refillConsequence, validateReason } from "./grant-form";

describe("parseAmount", () => {
  it("accepts whole numbers with or without separators", () => {
    expect(parseAmount("500")).toEqual({ ok: true, value: 500 });
    expect(parseAmount("1,500")).toEqual({ ok: true, value: 1500 });
    expect(parseAmount(" 12 000 ")).toEqual({ ok: true, value: 12000 });
    expect(parseAmount(42)).toEqual({ ok: true, value: 42 });
  });
  it("treats empty as not yet entered", () => {
    expect(parseAmount("")).toEqual({ ok: false, error: null });
    expect(parseAmount(null)).toEqual({ ok: false, error: null });
  });
  it("rejects zero, negatives, fractions, text and huge amounts", () => {
    expect(parseAmount("0").ok).toBe(false);
    expect(parseAmount("-5")).toEqual({ ok: false, error: "Must be at least 1 credit" });
    expect(parseAmount("1.5")).toEqual({ ok: false, error: "Credits are whole numbers" });
    expect(parseAmount("abc")).toEqual({ ok: false, error: "Enter a whole number of credits" });
    expect(parseAmount("1e3").ok).toBe(false);
    expect(parseAmount(100_000_001).ok).toBe(false);
  });
});

describe("validateReason", () => {
  it("requires 3 to 500 characters after trimming", () => {
    expect(validateReason("")).toBe("A reason is required");
    expect(validateReason("  ab ")).toBe("At least 3 characters");
    expect(validateReason("abc")).toBeNull();
    expect(validateReason("x".repeat(501))).toBe("At most 500 characters");
  });
});

describe("refillConsequence", () => {
  const at = "2026-12-15T00:00:00.000Z";
  it("says granted credits are lost when the refill replaces them", () => {
    expect(
      refillConsequence(
        { nextRefillAt: at, balanceAtRefill: 10_000, grantedCreditsLostAtRefill: 500 },
        3_000,
      ),
    ).toBe(
      "On 2026-12-15 00:00 UTC the balance becomes 10,000 — unused granted credits on this key are lost then (up to 500 of them).",
    );
  });
  it("says the balance is untouched when it is at or above the refill amount", () => {
    expect(
      refillConsequence(
        { nextRefillAt: at, balanceAtRefill: 12_000, grantedCreditsLostAtRefill: 0 },
        12_000,
      ),
    ).toContain("untouched");
  });
  it("covers keys without a refill", () => {
    expect(refillConsequence(null, 5)).toContain("no refill");
  });
});

describe("grantImpact", () => {
  it("names the Stripe customer for billable grants", () => {
    expect(grantImpact("billable", 500, "cus_123", false)).toBe(
      "Bills 500 overage credits to cus_123 via Stripe.",
    );
  });
  it("says goodwill is not billed", () => {
    expect(grantImpact("goodwill", 1000, "cus_1", true)).toContain("Nothing is billed");
  });
});
