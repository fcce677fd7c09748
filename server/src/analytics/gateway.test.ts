import { describe, expect, it } from "vitest";
import { AnalyticsBudgetError, createAnalyticsGateway } from "./gateway";
import { chSql } from "./sql";

const HOUR = 3_600_000;

function setup(perHour = 10, reserve = 3) {
  let now = 1_000_000;
  const sent: string[] = [];
  let fail: Error | null = null;
  const gw = createAnalyticsGateway({
    run: (sql) => {
      sent.push(sql);
      if (fail) return Promise.reject(fail);
      return Promise.resolve([{ n: sent.length }]);
    },
    now: () => now,
    budget: { perHour, reserve },
    rateLimited: (err) => (err instanceof Error && err.message === "429" ? 30_000 : null),
  });
  return {
    gw,
    sent,
    advance: (ms: number) => (now += ms),
    failWith: (e: Error | null) => (fail = e),
  };
}

const q = (key: string, priority: "background" | "interactive" = "background", ttlMs = 1_000) => ({
  cacheKey: key,
  sql: chSql`SELECT 1`,
  ttlMs,
  priority,
});

describe("analytics gateway", () => {
  it("keeps nothing for a caller that stores results itself, but still counts the query", async () => {
    const t = setup(10, 3);
    const once = { ...q("big", "interactive", HOUR), remember: false };
    expect((await t.gw.query(once)).source).toBe("fresh");
    expect((await t.gw.query(once)).source).toBe("fresh");
    expect(t.sent).toHaveLength(2);
    expect(t.gw.usage().used).toBe(2);
    // With the budget spent there is no earlier copy to fall back on.
    for (let i = 0; i < 8; i++) await t.gw.query(q(`x${i}`, "interactive"));
    await expect(t.gw.query(once)).rejects.toBeInstanceOf(AnalyticsBudgetError);
  });

  it("caches by key within the TTL and counts queries in a rolling hour", async () => {
    const t = setup();
    expect((await t.gw.query(q("a"))).source).toBe("fresh");
    expect((await t.gw.query(q("a"))).source).toBe("cached");
    expect(t.sent).toHaveLength(1);
    t.advance(2_000);
    expect((await t.gw.query(q("a"))).source).toBe("fresh");
    expect(t.gw.usage()).toMatchObject({ used: 2, remaining: 8 });
    t.advance(HOUR - 1_000); // the first query (at 0) has left the window, the second not yet
    expect(t.gw.usage().used).toBe(1);
    t.advance(2_000);
    expect(t.gw.usage().used).toBe(0);
  });

  it("when the budget runs low, background work serves stale results labelled with their age", async () => {
    const t = setup(10, 3);
    await t.gw.query(q("sync"));
    for (let i = 0; i < 6; i++) await t.gw.query(q(`other${i}`, "interactive"));
    expect(t.gw.usage()).toMatchObject({ remaining: 3, low: true });
    t.advance(5_000);
    const stale = await t.gw.query(q("sync"));
    expect(stale).toMatchObject({ source: "stale", ageMs: 5_000 });
    expect(t.sent).toHaveLength(7);
    // People viewing pages still get fresh data from the reserve...
    expect((await t.gw.query(q("page", "interactive"))).source).toBe("fresh");
    await t.gw.query(q("page2", "interactive"));
    await t.gw.query(q("page3", "interactive"));
    // ...until it is gone: then stale if there is anything, else a clear error.
    t.advance(5_000);
    expect((await t.gw.query(q("page", "interactive"))).source).toBe("stale");
    await expect(t.gw.query(q("never-seen", "interactive"))).rejects.toBeInstanceOf(
      AnalyticsBudgetError,
    );
    // Background work with nothing cached still gets a query while any budget is left.
    const t2 = setup(10, 3);
    for (let i = 0; i < 8; i++) await t2.gw.query(q(`x${i}`, "interactive"));
    expect((await t2.gw.query(q("first-sync"))).source).toBe("fresh");
  });

  it("an upstream 429 closes the budget until Retry-After and serves stale data", async () => {
    const t = setup(100, 10);
    await t.gw.query(q("a"));
    t.advance(2_000);
    t.failWith(new Error("429"));
    const r = await t.gw.query(q("a", "interactive"));
    expect(r).toMatchObject({ source: "stale", ageMs: 2_000 });
    expect(t.gw.usage().remaining).toBe(0);
    t.failWith(null);
    t.advance(1_000);
    expect((await t.gw.query(q("a", "interactive"))).source).toBe("stale");
    t.advance(30_000);
    expect((await t.gw.query(q("a", "interactive"))).source).toBe("fresh");
    t.failWith(new Error("boom"));
    t.advance(2_000);
    await expect(t.gw.query(q("a", "interactive"))).rejects.toThrow("boom");
  });
});
