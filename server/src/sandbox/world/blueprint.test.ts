/**
 * The world generator without emulators: determinism, fixtures, the deliberate mix of states,
 * and that each key's history agrees with its balance (what the console's "credits used" and
 * forecast rely on).
 */
import { describe, expect, it } from "vitest";
import { loadPlanCatalog } from "../../plans/catalog";
import type { VerificationRow } from "../core/contracts";
import {
  buildBlueprint,
  rowsPerDayAtFullUse,
  type CustomerBlueprint,
  type WorldBlueprint,
} from "./blueprint";
import {
  DAY_MS,
  HOUR_MS,
  lastMonthlyInstant,
  lastRefillAt,
  nextRefillAt,
  refillPeriods,
  startOfUtcDay,
} from "./calendar";
import { initechRemaining, planKeyHistory, rowsFor } from "./history";
import { Rng } from "./random";

const catalog = loadPlanCatalog();
const NOW = Date.parse("2026-03-18T15:20:00Z");

function keyHistories(bp: WorldBlueprint, c: CustomerBlueprint) {
  const root = new Rng(bp.options.seed).fork("history");
  return c.keys.map((key, i) => {
    const rng = root.fork(`${c.externalId}:${i}`);
    const plan = planKeyHistory(
      {
        key,
        owner: c,
        keyIndex: i,
        rowsPerDayAtFullUse: rowsPerDayAtFullUse[c.planId] ?? 40,
        now: bp.now,
        historyStart: bp.now - bp.options.historyDays * DAY_MS,
        unlimitedSpends: false,
      },
      rng,
    );
    const rows = [
      ...rowsFor(plan, { keyId: `key_${i}`, tzHours: c.tzHours, poolNames: ["requests"] }, rng),
    ];
    return { key, plan, rows };
  });
}

const spent = (rows: VerificationRow[], from: number, to: number) =>
  rows.filter((r) => r.time >= from && r.time < to).reduce((a, r) => a + r.spentCredits, 0);

describe("calendar", () => {
  it("clamps monthly instants to the month's last day", () => {
    expect(new Date(lastMonthlyInstant(Date.parse("2026-04-30T10:00:00Z"), 31)).toISOString()).toBe(
      "2026-04-30T00:00:00.000Z",
    );
    expect(new Date(lastMonthlyInstant(Date.parse("2026-04-29T10:00:00Z"), 31)).toISOString()).toBe(
      "2026-03-31T00:00:00.000Z",
    );
    expect(new Date(lastMonthlyInstant(Date.parse("2028-02-29T01:00:00Z"), 30)).toISOString()).toBe(
      "2028-02-29T00:00:00.000Z",
    );
    const s = { interval: "monthly", refillDay: 31 } as const;
    expect(new Date(nextRefillAt(s, Date.parse("2027-02-01T00:00:00Z"))).toISOString()).toBe(
      "2027-02-28T00:00:00.000Z",
    );
    const periods = refillPeriods(
      s,
      Date.parse("2026-01-15T00:00:00Z"),
      Date.parse("2026-04-02T00:00:00Z"),
    );
    expect(periods.map((p) => new Date(p.start).toISOString().slice(0, 10))).toEqual([
      "2025-12-31",
      "2026-01-31",
      "2026-02-28",
      "2026-03-31",
    ]);
  });
});

describe("world blueprint", () => {
  it("is deterministic for a seed and differs for another seed", () => {
    const a = buildBlueprint(catalog, { seed: 42, customers: 300, historyDays: 90 }, NOW);
    const b = buildBlueprint(catalog, { seed: 42, customers: 300, historyDays: 90 }, NOW);
    const c = buildBlueprint(catalog, { seed: 43, customers: 300, historyDays: 90 }, NOW);
    expect(b).toEqual(a);
    expect(c.customers.map((x) => x.externalId)).not.toEqual(a.customers.map((x) => x.externalId));
    expect(a.customers).toHaveLength(300);
    expect(new Set(a.customers.map((x) => x.externalId)).size).toBe(300);
    for (const cu of a.customers) {
      expect(cu.externalId).toMatch(/^[a-z0-9-]+$/);
      expect(cu.email).toMatch(/^[a-z.]+@[a-z0-9.]+$/);
      expect(cu.keys.length).toBeLessThanOrEqual(5);
      if (cu.anomaly !== "identity_without_keys") expect(cu.keys.length).toBeGreaterThanOrEqual(1);
    }
  });

  it("always has the three fixtures with their stated shape", () => {
    const bp = buildBlueprint(catalog, { seed: 7, customers: 12, historyDays: 30 }, NOW);
    const byId = new Map(bp.customers.map((c) => [c.externalId, c]));
    const acme = byId.get("acme-corp");
    expect(acme).toMatchObject({ name: "Acme Corp", planId: "growth", anchorDay: 31 });
    expect(acme?.keys).toHaveLength(2);
    expect(acme?.keys.map((k) => k.refill)).toEqual([
      { interval: "monthly", refillDay: 31 },
      { interval: "monthly", refillDay: 31 },
    ]);
    expect(byId.get("globex")).toMatchObject({
      name: "Globex",
      planId: "scale",
      status: "exhausted",
    });
    const initech = byId.get("initech");
    expect(initech).toMatchObject({ name: "Initech", planId: "starter" });
    expect(initech?.keys.every((k) => k.refill?.interval === "daily" && k.amount === 1000)).toBe(
      true,
    );
  });

  it("has every status and every deliberate anomaly even in a small world", () => {
    const bp = buildBlueprint(catalog, { seed: 1, customers: 20, historyDays: 30 }, NOW);
    const statuses = new Set(bp.customers.map((c) => c.status));
    for (const s of ["healthy", "low", "exhausted", "overage", "unlimited", "mixed_unlimited"]) {
      expect(statuses, s).toContain(s);
    }
    const anomalies = new Set(bp.customers.map((c) => c.anomaly));
    expect(anomalies).toContain("identity_without_keys");
    expect(anomalies).toContain("identity_without_stripe");
    expect(bp.stripeOnly.length).toBeGreaterThanOrEqual(1);
    expect(bp.looseKeys.length).toBeGreaterThanOrEqual(2);
    for (const c of bp.customers.filter((x) => x.status === "overage")) {
      expect(c.grants.length).toBeGreaterThan(0);
      for (const g of c.grants) {
        // Within this billing period and Stripe's 35-day meter event window.
        expect(g.at).toBeGreaterThanOrEqual(lastMonthlyInstant(NOW, c.anchorDay));
        expect(g.at).toBeGreaterThan(NOW - 35 * DAY_MS);
        expect(g.at).toBeLessThan(NOW);
      }
    }
  });
});

describe("key history", () => {
  const bp = buildBlueprint(catalog, { seed: 42, customers: 80, historyDays: 90 }, NOW);

  it("never spends more than allowance + grants in a period; now: remaining = amount + granted − spent", () => {
    let checked = 0;
    for (const c of bp.customers) {
      for (const [i, { key, plan, rows }] of keyHistories(bp, c).entries()) {
        for (const r of rows) {
          expect(r.time).toBeGreaterThanOrEqual(bp.now - 90 * DAY_MS);
          expect(r.time).toBeLessThan(bp.now);
          if (r.outcome !== "VALID") expect(r.spentCredits).toBe(0);
        }
        if (key.amount === null || key.refill === null) {
          expect(plan.remaining).toBeNull();
          continue;
        }
        for (const p of refillPeriods(key.refill, bp.now - 90 * DAY_MS, bp.now)) {
          const granted = c.grants
            .filter((g) => g.keyIndex === i && g.at >= p.start && g.at < p.end)
            .reduce((a, g) => a + g.amount, 0);
          expect(spent(rows, p.start, p.end)).toBeLessThanOrEqual(key.amount + granted);
        }
        const start = lastRefillAt(key.refill, bp.now);
        const granted = c.grants
          .filter((g) => g.keyIndex === i && g.at >= start)
          .reduce((a, g) => a + g.amount, 0);
        expect(plan.remaining).toBe(key.amount + granted - spent(rows, start, bp.now));
        expect(plan.spentThisPeriod).toBe(spent(rows, start, bp.now));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("puts the states where they belong", () => {
    const remainingOf = (c: CustomerBlueprint) => keyHistories(bp, c).map((h) => h.plan.remaining);
    for (const c of bp.customers) {
      const remaining = remainingOf(c);
      const limited = c.keys.filter((k) => k.amount !== null);
      if (c.status === "exhausted") expect(remaining.every((r) => r === 0)).toBe(true);
      if (c.status === "unlimited") expect(remaining.every((r) => r === null)).toBe(true);
      if (c.status === "mixed_unlimited") expect(remaining).toContain(null);
      if (c.status === "low" && c.fixture === null)
        expect((remaining[0] ?? 0) / (limited[0]?.amount ?? 1)).toBeLessThan(0.16);
      if (c.status === "healthy" && limited.length > 0) {
        const total = limited.reduce((a, k) => a + (k.amount ?? 0), 0);
        const left = remaining.reduce<number>((a, r) => a + (r ?? 0), 0);
        expect(left / total).toBeGreaterThan(0.2);
      }
    }
  });

  it("has a daily and weekly rhythm: weekday peaks, night troughs", () => {
    const byWeekday = new Array<number>(7).fill(0);
    const byLocalHour = new Array<number>(24).fill(0);
    for (const c of bp.customers) {
      for (const { rows } of keyHistories(bp, c)) {
        for (const r of rows) {
          if (r.outcome !== "VALID") continue;
          const local = r.time + c.tzHours * HOUR_MS;
          byWeekday[new Date(local).getUTCDay()]!++;
          byLocalHour[new Date(local).getUTCHours()]!++;
        }
      }
    }
    const weekday = (byWeekday[2]! + byWeekday[3]!) / 2;
    const weekend = (byWeekday[0]! + byWeekday[6]!) / 2;
    expect(weekday).toBeGreaterThan(1.8 * weekend);
    expect(byLocalHour[14]!).toBeGreaterThan(4 * byLocalHour[3]!);
  });

  it("initech runs out before the next midnight at its recent burn rate, whatever the hour", () => {
    for (const hour of [0.5, 3, 9, 15.3, 21, 23.5]) {
      const now = startOfUtcDay(NOW) + hour * HOUR_MS;
      const world = buildBlueprint(catalog, { seed: 42, customers: 12, historyDays: 14 }, now);
      const initech = world.customers.find((c) => c.externalId === "initech")!;
      const midnight = startOfUtcDay(now) + DAY_MS;
      for (const { plan, rows } of keyHistories(world, initech)) {
        const remaining = plan.remaining ?? Infinity;
        expect(remaining).toBeGreaterThan(0);
        expect(remaining).toBeLessThan(100);
        expect(remaining).toBe(initechRemaining(1000, now));
        for (const windowMs of [HOUR_MS, 6 * HOUR_MS, DAY_MS, 7 * DAY_MS]) {
          const rate = spent(rows, now - windowMs, now) / windowMs;
          expect(now + remaining / rate, `${hour}h, window ${windowMs / HOUR_MS}h`).toBeLessThan(
            midnight,
          );
        }
      }
    }
  });

  it("lands near a million verifications for the default world", () => {
    const full = buildBlueprint(catalog, { seed: 42, customers: 300, historyDays: 90 }, NOW);
    let rows = 0;
    for (const c of full.customers) for (const h of keyHistories(full, c)) rows += h.rows.length;
    expect(rows).toBeGreaterThan(700_000);
    expect(rows).toBeLessThan(1_400_000);
  });
});
