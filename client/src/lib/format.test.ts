import { describe, expect, it } from "vitest";
import {
  currencyExponent,
  formatBurnRate,
  formatCredits,
  formatCreditsOf,
  formatDuration,
  formatForecast,
  formatLocalInstant,
  formatMinorUnitsDecimal,
  formatMoney,
  formatNumber,
  formatPercent,
  formatRateLimit,
  formatRefillSchedule,
  formatRelativeTime,
  formatRole,
  formatUnitPrice,
  formatUtcInstant,
  percentLeft,
} from "./format";

describe("numbers and credits", () => {
  it("uses thousands separators", () => {
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(formatNumber(-2500)).toBe("-2,500");
  });

  it("reads null credits as unlimited", () => {
    expect(formatCredits(null)).toBe("Unlimited");
    expect(formatCredits(10_000)).toBe("10,000");
    expect(formatCreditsOf(null, 5000)).toBe("Unlimited");
    expect(formatCreditsOf(1234, 5000)).toBe("1,234 of 5,000");
    expect(formatCreditsOf(1234, null)).toBe("1,234");
  });

  it("clamps the share left for a bar", () => {
    expect(percentLeft(250, 1000)).toBe(25);
    expect(percentLeft(0, 1000)).toBe(0);
    expect(percentLeft(1500, 1000)).toBe(100);
    expect(percentLeft(null, 1000)).toBeNull();
    expect(percentLeft(10, null)).toBeNull();
    expect(percentLeft(10, 0)).toBeNull();
  });
});

describe("ratelimit windows", () => {
  it("uses the largest exact unit", () => {
    expect(formatDuration(1000)).toBe("1 s");
    expect(formatDuration(90_000)).toBe("90 s");
    expect(formatDuration(60_000)).toBe("1 min");
    expect(formatDuration(3_600_000)).toBe("1 h");
    expect(formatDuration(86_400_000)).toBe("1 d");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(1500)).toBe("1,500 ms");
  });

  it("formats a limit per window", () => {
    expect(formatRateLimit(50, 1000)).toBe("50 / 1 s");
    expect(formatRateLimit(10_000, 3_600_000)).toBe("10,000 / 1 h");
  });
});

describe("refill schedule", () => {
  it("names daily and monthly refills", () => {
    expect(formatRefillSchedule({ interval: "daily", amount: 100, refillDay: null })).toBe("daily");
    expect(formatRefillSchedule({ interval: "monthly", amount: 100, refillDay: 31 })).toBe(
      "monthly on day 31",
    );
    // Unkey's default refill day for monthly keys.
    expect(formatRefillSchedule({ interval: "monthly", amount: 100, refillDay: null })).toBe(
      "monthly on day 1",
    );
  });
});

describe("instants", () => {
  it("formats an exact UTC instant whatever the local zone", () => {
    expect(formatUtcInstant("2026-12-15T00:00:00.000Z")).toBe("2026-12-15 00:00 UTC");
    expect(formatUtcInstant("2026-02-28T23:59:30Z")).toBe("2026-02-28 23:59:30 UTC");
    expect(formatUtcInstant(new Date(Date.UTC(2027, 0, 1, 5, 7)))).toBe("2027-01-01 05:07 UTC");
    expect(formatUtcInstant("not a date")).toBe("Invalid date");
  });

  it("formats the local time in a given zone", () => {
    const local = formatLocalInstant("2026-12-15T00:00:00Z", { timeZone: "America/New_York" });
    expect(local).toContain("Dec 14, 2026");
    expect(local).toContain("7:00");
    expect(local).toMatch(/EST/);
  });

  it("reads relative times with Intl.RelativeTimeFormat", () => {
    const now = Date.UTC(2026, 11, 12, 0, 0);
    const at = (ms: number) => now + ms;
    expect(formatRelativeTime(at(3 * 86_400_000), now)).toBe("in 3 days");
    expect(formatRelativeTime(at(36 * 3_600_000), now)).toBe("in 2 days");
    expect(formatRelativeTime(at(5 * 3_600_000), now)).toBe("in 5 hours");
    expect(formatRelativeTime(at(-90 * 60_000), now)).toBe("2 hours ago");
    expect(formatRelativeTime(at(-1 * 3_600_000), now)).toBe("1 hour ago");
    expect(formatRelativeTime(at(10 * 86_400_000), now)).toBe("in 10 days");
    expect(formatRelativeTime(at(21 * 86_400_000), now)).toBe("in 3 weeks");
    expect(formatRelativeTime(at(45 * 60_000), now)).toBe("in 45 minutes");
    expect(formatRelativeTime(at(30_000), now)).toBe("in 30 seconds");
    expect(formatRelativeTime(at(2_000), now)).toBe("now");
    expect(formatRelativeTime(new Date(at(-400 * 86_400_000)), new Date(now))).toBe("1 year ago");
  });
});

describe("roles", () => {
  it("labels roles for people", () => {
    expect(formatRole("account_manager")).toBe("Account manager");
    expect(formatRole("admin")).toBe("Admin");
    expect(formatRole("unknown_role")).toBe("unknown_role");
  });
});

describe("money", () => {
  it("turns minor units into the currency's units", () => {
    expect(formatMoney(123456, "usd")).toBe("$1,234.56");
    expect(formatMoney(0, "USD")).toBe("$0.00");
    expect(formatMoney(-500, "usd")).toBe("-$5.00");
    expect(formatMoney(1500, "eur")).toBe("€15.00");
    // Zero-decimal currency: the amount is already in yen.
    expect(formatMoney(1500, "jpy")).toBe("¥1,500");
    expect(currencyExponent("usd")).toBe(2);
    expect(currencyExponent("JPY")).toBe(0);
  });

  it("keeps fractional cents of unit_amount_decimal exactly", () => {
    expect(formatMinorUnitsDecimal("0.15", "usd")).toBe("$0.0015");
    expect(formatMinorUnitsDecimal("15", "usd")).toBe("$0.15");
    expect(formatMinorUnitsDecimal("1234", "usd")).toBe("$12.34");
    expect(formatMinorUnitsDecimal("250.5", "usd")).toBe("$2.505");
    expect(formatMinorUnitsDecimal("0.000001", "usd")).toBe("$0.00000001");
    expect(formatMinorUnitsDecimal("0.5", "jpy")).toBe("¥0.5");
    expect(formatMinorUnitsDecimal("not a number", "usd")).toBe("not a number");
  });

  it("prefers the exact decimal unit price", () => {
    expect(formatUnitPrice({ unitAmount: 0, unitAmountDecimal: "0.15" }, "usd")).toBe("$0.0015");
    expect(formatUnitPrice({ unitAmount: 2900, unitAmountDecimal: null }, "usd")).toBe("$29.00");
    expect(formatUnitPrice({ unitAmount: null, unitAmountDecimal: null }, "usd")).toBeNull();
  });
});

describe("percent and burn rate", () => {
  it("formats a share left", () => {
    expect(formatPercent(42.4)).toBe("42 %");
    expect(formatPercent(0.44)).toBe("0.4 %");
    expect(formatPercent(0)).toBe("0 %");
    expect(formatPercent(null)).toBe("—");
  });

  it("formats credits spent per hour", () => {
    expect(formatBurnRate(1234.4)).toBe("≈ 1,234 credits/h");
    expect(formatBurnRate(0.42)).toBe("≈ 0.4 credits/h");
    expect(formatBurnRate(0)).toMatch(/^Idle/);
    expect(formatBurnRate(null)).toBe("No recent usage");
  });
});

describe("forecast", () => {
  const now = Date.UTC(2026, 10, 27, 14, 0);
  const refill = "2026-12-01T00:00:00.000Z";

  it("says when credits run out before the refill", () => {
    expect(formatForecast({ kind: "runs_out", at: "2026-11-27T19:00:00Z" }, refill, now)).toBe(
      "Runs out in 5 hours (2026-11-27 19:00 UTC), before the next refill",
    );
    expect(formatForecast({ kind: "runs_out", at: "2026-11-27T19:00:00Z" }, null, now)).toBe(
      "Runs out in 5 hours (2026-11-27 19:00 UTC); nothing refills it",
    );
  });

  it("says when credits last until the refill", () => {
    expect(formatForecast({ kind: "lasts_until_refill" }, refill, now)).toBe(
      "Lasts until the refill on 2026-12-01 00:00 UTC (in 3 days)",
    );
  });

  it("names the other states", () => {
    expect(formatForecast({ kind: "unlimited" }, null, now)).toBe("Unlimited");
    expect(formatForecast({ kind: "exhausted" }, refill, now)).toBe(
      "Exhausted until the refill on 2026-12-01 00:00 UTC (in 3 days)",
    );
    expect(formatForecast({ kind: "exhausted" }, null, now)).toBe(
      "Exhausted, and no refill is scheduled",
    );
    expect(formatForecast({ kind: "idle" }, refill, now)).toMatch(/no run-out expected/);
  });
});
