/**
 * finance.* against the sandbox emulators. Expected figures come from the emulators' own stored
 * verifications and meter events and from plans.json, computed here independently.
 */
import { readFileSync } from "node:fs";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ZodError } from "zod";
import { buildApp } from "../app";
import type { AppDeps } from "../context";
import { forgetFinanceLedger } from "../services/finance/summary";
import { SANDBOX_PASSWORD } from "../services/staff";
import type { Role } from "../store/index";
import { callerAs, sandboxEmail } from "../testing/harness";
import { startSyncedSandbox, type Sandbox } from "../testing/sandbox";
import { describeZodError } from "../trpc";

let sandbox: Sandbox;
let deps: AppDeps;
let close: () => Promise<void>;
const DAY = 86_400_000;

const plansJson = JSON.parse(
  readFileSync(new URL("../../config/plans.json", import.meta.url), "utf8"),
) as { plans: { id: string; overageUnitPrice: string; basePrice: { unitAmount: number } }[] };

async function inputError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TRPCError && err.cause instanceof ZodError)
      return describeZodError(err.cause);
    throw err;
  }
  throw new Error("expected invalid input");
}

beforeAll(async () => {
  ({ sandbox, deps, close } = await startSyncedSandbox({ customers: 40, historyDays: 14 }));
});
afterAll(() => close());

function allVerifications(fromMs: number, toMs: number) {
  return sandbox.unkey
    .verifications({ fromMs, toMs })
    .filter((v) => v.time >= fromMs && v.time < toMs);
}

describe("finance.summary", () => {
  it("totals, overage revenue and month-over-month match the emulators' own records", async () => {
    const now = sandbox.clock.now();
    const to = Math.ceil(now / 60_000) * 60_000 + 60_000;
    const from = to - 7 * DAY;
    const caller = await callerAs(deps, "finance");
    const s = await caller.finance.summary({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      top: 5,
    });
    const cur = allVerifications(from, to);
    const prev = allVerifications(from - 7 * DAY, from);
    expect(s.totals.verifications).toBe(cur.length);
    expect(s.totals.validVerifications).toBe(cur.filter((v) => v.outcome === "VALID").length);
    const spent = cur.reduce((a, v) => a + v.spentCredits, 0);
    const prevSpent = prev.reduce((a, v) => a + v.spentCredits, 0);
    expect(s.totals.creditsSpent).toBe(spent);
    expect(s.change.verifications).toMatchObject({ current: cur.length, previous: prev.length });
    expect(s.change.creditsSpent.delta).toBe(spent - prevSpent);
    expect(s.change.creditsSpent.percent).toBe(
      prevSpent === 0 ? null : Math.round(((spent - prevSpent) / prevSpent) * 1000) / 10,
    );

    // Overage: every stored meter event in the period × its customer's plan price.
    const events = sandbox.db
      .prepare(
        `SELECT w.plan AS plan, e.customer AS customer, sum(e.value) AS units
         FROM stripe_meter_events e JOIN sandbox_world_customers w ON w.stripe_customer_id = e.customer
         WHERE e.timestamp >= ? AND e.timestamp < ? GROUP BY e.customer, w.plan`,
      )
      .all(from / 1000, to / 1000) as { plan: string; customer: string; units: number }[];
    expect(events.length).toBeGreaterThan(0);
    const price = (plan: string) =>
      Number(plansJson.plans.find((p) => p.id === plan)!.overageUnitPrice);
    const expectedUnits = events.reduce((a, e) => a + e.units, 0);
    const expectedCents = events.reduce(
      (a, e) => a + Math.round(e.units * price(e.plan) + 1e-9),
      0,
    );
    expect(s.totals.overageUnits).toBe(expectedUnits);
    expect(s.totals.overageRevenueCents).toBe(expectedCents);
    expect(s.byPlan.reduce((a, p) => a + p.overageRevenueCents, 0)).toBe(expectedCents);
    expect(s.topByOverage.length).toBeGreaterThan(0);
    // Month-over-month for overage: the previous 7 days' meter events, priced the same way.
    const prevEvents = sandbox.db
      .prepare(
        `SELECT w.plan AS plan, sum(e.value) AS units
         FROM stripe_meter_events e JOIN sandbox_world_customers w ON w.stripe_customer_id = e.customer
         WHERE e.timestamp >= ? AND e.timestamp < ? GROUP BY e.customer, w.plan`,
      )
      .all((from - 7 * DAY) / 1000, from / 1000) as { plan: string; units: number }[];
    expect(s.change.overageUnits).toMatchObject({
      current: expectedUnits,
      previous: prevEvents.reduce((a, e) => a + e.units, 0),
    });
    expect(s.change.overageRevenueCents).toMatchObject({
      current: expectedCents,
      previous: prevEvents.reduce((a, e) => a + Math.round(e.units * price(e.plan) + 1e-9), 0),
    });
    expect(s.topByUsage).toHaveLength(5);
    expect(s.topByUsage[0]!.creditsSpent).toBeGreaterThanOrEqual(s.topByUsage[4]!.creditsSpent);

    // Plan revenue: active subscriptions (emulator) × base price, pro rata over 7 days.
    const subs = sandbox.db
      .prepare(
        `SELECT w.plan AS plan, count(*) AS n FROM sandbox_world_customers w
         JOIN stripe_objects o ON o.id = w.subscription_id
         WHERE json_extract(o.data, '$.status') = 'active' AND w.external_id IS NOT NULL GROUP BY w.plan`,
      )
      .all() as { plan: string; n: number }[];
    for (const { plan, n } of subs) {
      const row = s.byPlan.find((p) => p.plan === plan)!;
      expect(row.activeSubscriptions).toBe(n);
      const base = plansJson.plans.find((p) => p.id === plan)!.basePrice.unitAmount;
      expect(row.planRevenueCents).toBe(Math.round((base * n * 7 * 86_400) / 2_629_746));
    }
  });

  it("compares a month with the previous calendar month", async () => {
    const now = new Date(sandbox.clock.now());
    const month = now.toISOString().slice(0, 7);
    const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    const prevFrom = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
    const s = await (await callerAs(deps, "admin")).finance.summary({ month });
    expect(s.from).toBe(new Date(from).toISOString());
    expect(s.previous).toEqual({ from: new Date(prevFrom).toISOString(), to: s.from });
    expect(s.change.verifications.current).toBe(allVerifications(from, to).length);
    expect(s.change.verifications.previous).toBe(allVerifications(prevFrom, from).length);
  });

  it("validates its input, naming fields", async () => {
    const caller = await callerAs(deps, "finance");
    expect(await inputError(caller.finance.summary({ month: "2026-13" }))).toMatch(
      /month: must be YYYY-MM/,
    );
    expect(
      await inputError(caller.finance.summary({ month: "2026-01", from: "2026-01-01T00:00:00Z" })),
    ).toMatch(/from: give either month or from\/to/);
    expect(await inputError(caller.finance.summary({}))).toMatch(/from: required without month/);
    expect(
      await inputError(
        caller.finance.summary({ from: "2026-02-01T00:00:00Z", to: "2026-01-01T00:00:00Z" }),
      ),
    ).toMatch(/to: must be after from/);
  });
});

describe("finance.atRisk", () => {
  it("lists exhausted customers and those running out before their refill, from the read model", async () => {
    const r = await (await callerAs(deps, "account_manager")).finance.atRisk({});
    const rows = await deps.repos.directory.list({
      sort: "name",
      dir: "asc",
      offset: 0,
      limit: 1000,
    });
    const exhausted = rows.filter((d) => d.status === "exhausted").map((d) => d.external_id);
    expect(r.exhausted.map((x) => x.externalId).sort()).toEqual(exhausted.sort());
    expect(r.exhausted.length + r.nearExhaustion.length).toBeGreaterThan(0);
    for (const x of r.nearExhaustion) {
      expect(x.forecastAt).not.toBeNull();
      if (x.nextRefillAt)
        expect(Date.parse(x.forecastAt!)).toBeLessThan(Date.parse(x.nextRefillAt));
    }
    const times = r.nearExhaustion.map((x) => Date.parse(x.forecastAt!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});

describe("roles", () => {
  it("summary: finance and admin; atRisk: finance, account managers and admin", async () => {
    const month = new Date(sandbox.clock.now()).toISOString().slice(0, 7);
    const table: Record<Role, { summary: boolean; atRisk: boolean }> = {
      admin: { summary: true, atRisk: true },
      finance: { summary: true, atRisk: true },
      account_manager: { summary: false, atRisk: true },
      support: { summary: false, atRisk: false },
    };
    for (const [role, allowed] of Object.entries(table) as [Role, (typeof table)[Role]][]) {
      const caller = await callerAs(deps, role);
      const summary = caller.finance.summary({ month });
      const atRisk = caller.finance.atRisk({});
      if (allowed.summary) await expect(summary).resolves.toBeTruthy();
      else await expect(summary).rejects.toMatchObject({ code: "FORBIDDEN" });
      if (allowed.atRisk) await expect(atRisk).resolves.toBeTruthy();
      else await expect(atRisk).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
  });
});

describe("overage from the operations ledger", () => {
  it("counts a done billable grant at its meter event time, exactly, for its customer", async () => {
    const now = sandbox.clock.now();
    const to = Math.ceil(now / 60_000) * 60_000 + 60_000;
    const from = to - 3 * DAY;
    const customers = await deps.repos.directory.list({
      sort: "name",
      dir: "asc",
      offset: 0,
      limit: 1000,
    });
    const c = customers.find((d) => d.stripe_customer_id && d.in_overage !== 1)!;
    const { row } = await deps.repos.operations.insertOnce({
      id: "00000000-0000-4000-8000-0000000000f1",
      kind: "grant",
      state: "pending",
      actor: { id: "s1", email: "finance@example.com", role: "finance" },
      externalId: c.external_id,
      inputJson: JSON.stringify({ externalId: c.external_id, amount: 1234, kind: "billable" }),
      amount: 1234,
      reviewReason: null,
      now: now - DAY,
    });
    await deps.repos.operations.transition(row, {
      state: "done",
      steps: { stripe: { kind: "meter_event", timestamp: Math.floor((now - DAY) / 1000) } },
      now: now - DAY,
    });
    forgetFinanceLedger(deps);
    const s = await (
      await callerAs(deps, "finance")
    ).finance.summary({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      top: 100,
    });
    const mine = s.topByOverage.find((x) => x.externalId === c.external_id);
    expect(mine?.overageUnits).toBe(1234);
    expect(s.overageCoverage.fromLedger).toBeGreaterThanOrEqual(1);
    // Outside the period: not counted.
    forgetFinanceLedger(deps);
    const earlier = await (
      await callerAs(deps, "finance")
    ).finance.summary({
      from: new Date(from - 3 * DAY).toISOString(),
      to: new Date(from).toISOString(),
      top: 100,
    });
    expect(earlier.topByOverage.find((x) => x.externalId === c.external_id)).toBeUndefined();
  });
});

describe("CSV export of the finance tables", () => {
  async function withApp<T>(
    fn: (
      app: Awaited<ReturnType<typeof buildApp>>,
      login: (role: Role) => Promise<string>,
    ) => Promise<T>,
  ) {
    const app = await buildApp(deps);
    const login = async (role: Role) => {
      const csrf = "csrf-test";
      const r = await app.inject({
        method: "POST",
        url: "/trpc/session.signIn",
        headers: {
          "content-type": "application/json",
          "x-csrf-token": csrf,
          cookie: `csrf_token=${csrf}`,
        },
        payload: JSON.stringify({ email: sandboxEmail[role], password: SANDBOX_PASSWORD }),
      });
      return `session=${r.cookies.find((c) => c.name === "session")!.value}`;
    };
    try {
      return await fn(app, login);
    } finally {
      await app.close();
    }
  }
  const month = () => new Date(sandbox.clock.now()).toISOString().slice(0, 7);
  const url = (table: string, input: unknown) =>
    `/export/finance-${table}.csv?input=${encodeURIComponent(JSON.stringify(input))}`;

  it("needs a session, the table's role, and valid input", async () => {
    await withApp(async (app, login) => {
      const anon = await app.inject({ method: "GET", url: url("by-plan", { month: month() }) });
      expect(anon.statusCode).toBe(401);
      const support = await login("support");
      for (const t of ["by-plan", "top-by-usage", "top-by-overage", "at-risk"]) {
        const r = await app.inject({
          method: "GET",
          url: url(t, t === "at-risk" ? {} : { month: month() }),
          headers: { cookie: support },
        });
        expect(r.statusCode).toBe(403);
      }
      const am = await login("account_manager");
      const denied = await app.inject({
        method: "GET",
        url: url("top-by-usage", { month: month() }),
        headers: { cookie: am },
      });
      expect(denied.statusCode).toBe(403);
      const allowed = await app.inject({
        method: "GET",
        url: url("at-risk", {}),
        headers: { cookie: am },
      });
      expect(allowed.statusCode).toBe(200);
      const finance = await login("finance");
      const bad = await app.inject({
        method: "GET",
        url: url("by-plan", { month: "2026-13" }),
        headers: { cookie: finance },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toEqual({ error: expect.stringContaining("month") });
      const notJson = await app.inject({
        method: "GET",
        url: "/export/finance-by-plan.csv?input=%7B",
        headers: { cookie: finance },
      });
      expect(notJson.statusCode).toBe(400);
    });
  });

  it("writes the same figures as the procedure: header, money in decimal units, counts as integers", async () => {
    await withApp(async (app, login) => {
      const cookie = await login("finance");
      const input = { month: month(), top: 5 };
      const s = await (await callerAs(deps, "finance")).finance.summary(input);
      const r = await app.inject({
        method: "GET",
        url: url("by-plan", input),
        headers: { cookie },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/csv/);
      expect(r.headers["content-disposition"]).toBe(
        `attachment; filename="finance-by-plan-${input.month}.csv"`,
      );
      const lines = r.body.trimEnd().split("\r\n");
      expect(lines[0]).toBe(
        "plan,plan_name,customers,active_subscriptions,verifications,credits_spent,overage_units,overage_revenue,plan_revenue,base_price,overage_unit_price,currency",
      );
      expect(lines).toHaveLength(s.byPlan.length + 1);
      const first = s.byPlan[0]!;
      const cells = lines[1]!.split(",");
      expect(cells[0]).toBe(first.plan);
      expect(Number(cells[2])).toBe(first.customers);
      expect(cells[4]).toBe(String(first.verifications));
      expect(cells[7]).toBe((first.overageRevenueCents / 100).toFixed(2));
      expect(cells[8]).toBe((first.planRevenueCents / 100).toFixed(2));
      expect(cells[11]).toBe("usd");

      const top = await app.inject({
        method: "GET",
        url: url("top-by-usage", input),
        headers: { cookie },
      });
      const rows = top.body.trimEnd().split("\r\n");
      expect(rows[0]).toBe(
        "rank,external_id,name,plan,verifications,credits_spent,overage_units,overage_revenue,currency",
      );
      expect(rows).toHaveLength(s.topByUsage.length + 1);
      expect(rows[1]!.startsWith(`1,${s.topByUsage[0]!.externalId},`)).toBe(true);
    });
  });

  it("quotes names with commas and quotes, and defuses formulas", async () => {
    const real = deps.repos.financeRead.exhausted.bind(deps.repos.financeRead);
    const spy = vi.spyOn(deps.repos.financeRead, "exhausted").mockImplementation(async (f) => {
      const rows = await real(f);
      return rows.map((d, i) =>
        d.status === "exhausted" && i % 2 === 0
          ? { ...d, name: 'Acme, "Big" Co' }
          : d.status === "exhausted"
            ? { ...d, name: "=HYPERLINK(1)" }
            : d,
      );
    });
    try {
      await withApp(async (app, login) => {
        const r = await app.inject({
          method: "GET",
          url: url("at-risk", { limit: 500 }),
          headers: { cookie: await login("account_manager") },
        });
        expect(r.statusCode).toBe(200);
        const lines = r.body.trimEnd().split("\r\n");
        expect(lines[0]).toBe(
          "status,external_id,name,plan,credits_remaining,burn_per_hour,forecast_exhaustion_at,next_refill_at",
        );
        const exhausted = lines.filter((l) => l.startsWith("exhausted,"));
        expect(exhausted.length).toBeGreaterThan(0);
        for (const l of exhausted) {
          expect(l.includes(',"Acme, ""Big"" Co",') || l.includes(",'=HYPERLINK(1),")).toBe(true);
        }
      });
    } finally {
      spy.mockRestore();
    }
  });
});
