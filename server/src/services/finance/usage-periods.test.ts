/**
 * The finance read model against the sandbox emulators: what it stores must equal sums computed
 * here from the emulator's own verifications, and it must ask Unkey analytics only when a period
 * is missing, past its freshness window, or due for the scheduler.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AppDeps } from "../../context";
import { runFullSync } from "../directory/index";
import { callerAs } from "../../testing/harness";
import { depsFor, fastRetry, startSyncedSandbox, type Sandbox } from "../../testing/sandbox";
import { FINAL_LAG_MS, OPEN_TTL_MS, periodSpec, readPeriod, refreshPeriod } from "./usage-periods";
import { refreshDue } from "./schedule";

let sandbox: Sandbox;
let deps: AppDeps;
let close: () => Promise<void>;
const DAY = 86_400_000;

beforeAll(async () => {
  ({ sandbox, deps, close } = await startSyncedSandbox({ customers: 40, historyDays: 40 }));
});
afterAll(() => close());

function monthOf(ms: number) {
  const d = new Date(ms);
  return periodSpec(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  );
}

/** Per customer: verifications, VALID ones and credits spent in [from, to), from the emulator's
 * raw events (the read model reads the per-day rollup for whole days). */
function expected(from: number, to: number) {
  const rows = sandbox.db
    .prepare(
      `SELECT external_id AS id, count(*) AS n, sum(outcome = 'VALID') AS valid,
              sum(spent_credits) AS spent
       FROM unkey_verifications WHERE time >= ? AND time < ? GROUP BY external_id`,
    )
    .all(from, to) as { id: string; n: number; valid: number; spent: number }[];
  return new Map(rows.map((r) => [r.id, { n: r.n, valid: r.valid, spent: r.spent }]));
}

/** Counts the finance read model's analytics questions (the directory sync asks its own). */
function countQueries(d: AppDeps = deps) {
  const spy = vi.spyOn(d.analytics, "query");
  return {
    count: () => spy.mock.calls.filter(([q]) => q.cacheKey.startsWith("finance.usage:")).length,
    restore: () => spy.mockRestore(),
  };
}

describe("finance usage periods", () => {
  it("stores a month's usage per customer and per plan exactly as the emulator recorded it", async () => {
    const spec = monthOf(sandbox.clock.now());
    const { period, staleMs } = await readPeriod(deps, spec);
    expect(staleMs).toBeNull();
    const exp = expected(spec.from, spec.to);
    const all = [...exp.values()];
    expect(period.verifications).toBe(all.reduce((a, c) => a + c.n, 0));
    expect(period.valid).toBe(all.reduce((a, c) => a + c.valid, 0));
    expect(period.spent).toBe(all.reduce((a, c) => a + c.spent, 0));
    expect(period.customers_with_usage).toBe(all.filter((c) => c.n > 0).length);
    expect(period.final).toBe(0);

    // Per plan: each customer's usage under the plan the directory gives it.
    const dir = await deps.repos.directory.list({
      sort: "name",
      dir: "asc",
      offset: 0,
      limit: 10_000,
    });
    const planOf = new Map(dir.map((d) => [d.external_id, d.plan ?? "none"]));
    const byPlan = new Map<string, { n: number; spent: number }>();
    for (const [id, c] of exp) {
      const plan = planOf.get(id) ?? "none";
      const p = byPlan.get(plan) ?? { n: 0, spent: 0 };
      p.n += c.n;
      p.spent += c.spent;
      byPlan.set(plan, p);
    }
    const sums = await deps.repos.usagePeriods.planSums(spec.key);
    expect(
      Object.fromEntries(
        sums.map((s) => [s.plan, { n: Number(s.verifications), spent: Number(s.spent) }]),
      ),
    ).toEqual(Object.fromEntries(byPlan));

    // Top customers by credits spent, ties by external id.
    const top = await deps.repos.usagePeriods.topBySpent(spec.key, 5);
    const want = [...exp]
      .filter(([, c]) => c.spent > 0)
      .sort(([a, x], [b, y]) => y.spent - x.spent || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, 5)
      .map(([id, c]) => ({ id, spent: c.spent }));
    expect(top.map((t) => ({ id: t.externalId, spent: t.spent }))).toEqual(want);
  });

  it("serves a stored period without asking analytics again while it is fresh", async () => {
    const spec = monthOf(sandbox.clock.now());
    await readPeriod(deps, spec);
    const spy = countQueries();
    try {
      sandbox.clock.advance(OPEN_TTL_MS - 1_000);
      const r = await readPeriod(deps, spec);
      expect(r.staleMs).toBeNull();
      expect(spy.count()).toBe(0);
    } finally {
      spy.restore();
    }
  });

  it("serves an open period past its freshness window with its age, and fetches a fresh copy", async () => {
    const spec = monthOf(sandbox.clock.now());
    const before = (await readPeriod(deps, spec)).period;
    const key = sandbox.db
      .prepare("SELECT k.id AS id FROM unkey_keys k WHERE k.identity_id IS NOT NULL LIMIT 1")
      .get() as { id: string } | undefined;
    expect(key).toBeDefined();
    sandbox.clock.advance(OPEN_TTL_MS + 1_000);
    sandbox.unkey.insertVerifications([
      {
        time: sandbox.clock.now() - 1_000,
        keyId: key!.id,
        outcome: "VALID",
        tags: [],
        spentCredits: 7,
      },
    ]);
    const stale = await readPeriod(deps, spec);
    expect(stale.period.verifications).toBe(before.verifications);
    expect(stale.staleMs).toBeGreaterThanOrEqual(OPEN_TTL_MS);
    // The background fetch is in flight: refreshPeriod joins it.
    const fresh = await refreshPeriod(deps, spec, "interactive");
    expect(fresh.verifications).toBe(before.verifications + 1);
    expect(fresh.spent).toBe(before.spent + 7);
    const after = await readPeriod(deps, spec);
    expect(after.staleMs).toBeNull();
    expect(after.period.verifications).toBe(before.verifications + 1);
  });

  it("marks a period fetched after its end (plus ingestion lag) final and never fetches it again", async () => {
    const cur = monthOf(sandbox.clock.now());
    const prev = monthOf(cur.from - 1);
    expect(sandbox.clock.now()).toBeGreaterThan(prev.to + FINAL_LAG_MS);
    const first = await readPeriod(deps, prev);
    expect(first.period.final).toBe(1);
    const exp = [...expected(prev.from, prev.to).values()];
    expect(first.period.verifications).toBe(exp.reduce((a, c) => a + c.n, 0));
    const spy = countQueries();
    try {
      sandbox.clock.advance(2 * OPEN_TTL_MS);
      const again = await readPeriod(deps, prev);
      expect(again.staleMs).toBeNull();
      expect(spy.count()).toBe(0);
    } finally {
      spy.restore();
    }
  });

  it("shares one fetch between concurrent readers of a new period", async () => {
    const now = sandbox.clock.now();
    const spec = periodSpec(now - 3 * DAY - 17_000, now - DAY);
    expect(spec.key.startsWith("r:")).toBe(true);
    const spy = countQueries();
    try {
      const reads = await Promise.all([1, 2, 3].map(() => readPeriod(deps, spec)));
      expect(spy.count()).toBe(1);
      const exp = [...expected(spec.from, spec.to).values()];
      for (const r of reads) expect(r.period.verifications).toBe(exp.reduce((a, c) => a + c.n, 0));
      expect(reads[0]!.period.source).toBe("raw");
    } finally {
      spy.restore();
    }
  });

  it("drops custom ranges nobody read for a day, keeps months", async () => {
    const now = sandbox.clock.now();
    const spec = periodSpec(now - 2 * DAY, now - DAY);
    await readPeriod(deps, spec);
    const month = monthOf(now);
    await readPeriod(deps, month);
    expect(await deps.repos.usagePeriods.evictRanges(now - DAY)).toBe(0);
    const dropped = await deps.repos.usagePeriods.evictRanges(now + 1);
    expect(dropped).toBeGreaterThanOrEqual(1);
    expect(await deps.repos.usagePeriods.get(spec.key)).toBeUndefined();
    expect(await deps.repos.usagePeriods.planSums(spec.key)).toEqual([]);
    expect(await deps.repos.usagePeriods.get(month.key)).toBeDefined();
  });
});

describe("the usage refresh schedule", () => {
  it("waits for the first directory sync, then keeps the current and previous month", async () => {
    const own = await depsFor(sandbox);
    try {
      const cur = monthOf(sandbox.clock.now());
      const prev = monthOf(cur.from - 1);
      // No directory yet: plans would be missing from the rows, so nothing is fetched.
      await refreshDue(own.deps, 10 * 60_000);
      expect(await own.deps.repos.usagePeriods.get(cur.key)).toBeUndefined();

      await runFullSync(own.deps, { retry: fastRetry });
      // The round fetches both months, then computes the current month's summary once, which
      // leaves Stripe's answers for the overage candidates cached: the next viewer asks Stripe
      // nothing.
      const stripeCalls = vi.spyOn(own.deps.upstream.stripe, "meterEventSummaries");
      expect(await refreshDue(own.deps, 10 * 60_000)).toEqual({
        fetched: [cur.key, prev.key],
        warmed: true,
      });
      expect(stripeCalls.mock.calls.length).toBeGreaterThan(0);
      stripeCalls.mockClear();
      const view = await (
        await callerAs(own.deps, "finance")
      ).finance.summary({
        month: cur.key.slice(2),
      });
      expect(view.overageCoverage.candidates).toBeGreaterThan(0);
      expect(stripeCalls).not.toHaveBeenCalled();
      stripeCalls.mockRestore();
      const a = await own.deps.repos.usagePeriods.get(cur.key);
      const b = await own.deps.repos.usagePeriods.get(prev.key);
      expect(a?.final).toBe(0);
      expect(b?.final).toBe(1);
      const sums = await own.deps.repos.usagePeriods.planSums(cur.key);
      expect(sums.some((s) => s.plan !== "none")).toBe(true);

      // Within the interval and after no newer sync: nothing to do.
      const spy = countQueries(own.deps);
      sandbox.clock.advance(60_000);
      expect(await refreshDue(own.deps, 10 * 60_000)).toEqual({ fetched: [], warmed: false });
      expect(spy.count()).toBe(0);
      // A newer directory sync makes the open month due (its plans may have changed), not the
      // final one.
      sandbox.clock.advance(60_000);
      await runFullSync(own.deps, { retry: fastRetry });
      await refreshDue(own.deps, 10 * 60_000);
      expect(spy.count()).toBe(1);
      expect((await own.deps.repos.usagePeriods.get(cur.key))!.refreshed_at).toBeGreaterThan(
        a!.refreshed_at,
      );
      expect((await own.deps.repos.usagePeriods.get(prev.key))!.refreshed_at).toBe(b!.refreshed_at);
      spy.restore();
    } finally {
      await own.close();
    }
  });
});
