/**
 * directory.* procedures and the CSV export over a synced small world (emulators in-process).
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../app";
import type { AppDeps } from "../context";
import { compareDirectoryRows, directorySorts } from "../domain/directory";
import type { DirectoryRow } from "../services/directory/schema";
import { depsFor, startSmallSandbox, type Sandbox } from "../services/directory/test-support";
import { runFullSync } from "../services/directory/sync";
import { SANDBOX_PASSWORD } from "../services/staff";
import { roles, type Role } from "../store/index";
import { callerAs, sandboxEmail } from "../testing/harness";

let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;
let all: DirectoryRow[];

beforeAll(async () => {
  sandbox = await startSmallSandbox({ customers: 40, historyDays: 14 });
  ({ deps, close: closeDeps } = await depsFor(sandbox));
  expect((await runFullSync(deps)).status).toBe("ok");
  const caller = await callerAs(deps, "support");
  all = (await caller.directory.list({ limit: 500 })).rows;
}, 60_000);
afterAll(async () => {
  await closeDeps();
  await sandbox.close();
});

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
const sortable = (r: DirectoryRow) => ({
  externalId: r.externalId,
  name: r.name,
  creditsRemaining: r.creditsRemaining,
  percentLeft: r.percentLeft,
  forecastExhaustionAt: ms(r.forecastExhaustionAt),
  nextRefillAt: ms(r.nextRefillAt),
  lastUsedAt: ms(r.lastUsedAt),
});

describe("directory.list", () => {
  it("lists every row with a total and the sync time", async () => {
    const caller = await callerAs(deps, "account_manager");
    const page = await caller.directory.list({});
    expect(page.total).toBe(all.length);
    expect(page.rows.length).toBe(Math.min(100, all.length));
    expect(page.syncedAt).not.toBeNull();
    expect(all.filter((r) => r.kind === "unassigned_key").length).toBeGreaterThan(0);
    expect(all.filter((r) => r.kind === "stripe_only").length).toBeGreaterThan(0);
  });

  it("finds acme-corp by name, email, externalId, identity id, key id, key prefix and Stripe id", async () => {
    const caller = await callerAs(deps, "support");
    const acme = all.find((r) => r.externalId === "acme-corp")!;
    const keys = await deps.repos.directory.keysOf("acme-corp");
    const terms = [
      "Acme Cor",
      "acme corp",
      acme.email!.slice(0, 8),
      "acme-corp",
      acme.identityId!,
      keys[0]!.key_id,
      keys[0]!.key_id.slice(4, 14),
      keys[0]!.start,
      acme.stripeCustomerId!,
    ];
    for (const q of terms) {
      const r = await caller.directory.list({ q });
      expect(
        r.rows.map((x) => x.externalId),
        q,
      ).toContain("acme-corp");
    }
  });

  it("1–2 character terms match through LIKE, exactly as a substring scan", async () => {
    const caller = await callerAs(deps, "support");
    for (const q of ["a", "Ac", "_", "%", "-c"]) {
      const r = await caller.directory.list({ q, limit: 500 });
      const got = r.rows.map((x) => x.externalId).sort();
      expect(r.total).toBe(got.length);
      // Every hit contains the term (case-insensitively) in some searched field.
      for (const row of r.rows) {
        const keys = await deps.repos.directory.keysOf(row.externalId);
        const hay = [
          row.name,
          row.email,
          row.externalId,
          row.identityId,
          row.stripeCustomerId,
          ...keys.flatMap((k) => [k.key_id, k.start]),
        ]
          .filter(Boolean)
          .join(" ")
          .toLowerCase();
        expect(hay, `${q} in ${row.externalId}`).toContain(q.toLowerCase());
      }
    }
    expect((await caller.directory.list({ q: "%" })).total).toBe(0);
  });

  it("filters by plan and status (overage = in overage this period)", async () => {
    const caller = await callerAs(deps, "finance");
    const growth = await caller.directory.list({ plans: ["growth"], limit: 500 });
    expect(growth.total).toBe(all.filter((r) => r.plan === "growth").length);
    expect(growth.rows.every((r) => r.plan === "growth")).toBe(true);
    for (const status of ["healthy", "low", "exhausted", "unlimited", "no_keys"] as const) {
      const r = await caller.directory.list({ statuses: [status], limit: 500 });
      expect(r.total, status).toBe(all.filter((x) => x.status === status).length);
    }
    const overage = await caller.directory.list({ statuses: ["overage"], limit: 500 });
    expect(overage.total).toBeGreaterThan(0);
    expect(overage.rows.every((r) => r.inOverage)).toBe(true);
    const both = await caller.directory.list({ statuses: ["exhausted", "overage"], limit: 500 });
    expect(both.total).toBe(all.filter((x) => x.status === "exhausted" || x.inOverage).length);
  });

  it("sorts by every column in both directions, nulls last, stable tiebreak", async () => {
    const caller = await callerAs(deps, "support");
    for (const sort of directorySorts) {
      for (const dir of ["asc", "desc"] as const) {
        const r = await caller.directory.list({ sort, dir, limit: 500 });
        const expected = [...r.rows].sort((a, b) =>
          compareDirectoryRows(sortable(a), sortable(b), sort, dir),
        );
        expect(
          r.rows.map((x) => x.externalId),
          `${sort} ${dir}`,
        ).toEqual(expected.map((x) => x.externalId));
      }
    }
  });

  it("pages without overlap or gaps", async () => {
    const caller = await callerAs(deps, "support");
    const seen: string[] = [];
    for (let offset = 0; offset < all.length; offset += 7) {
      const r = await caller.directory.list({ sort: "credits_left", offset, limit: 7 });
      seen.push(...r.rows.map((x) => x.externalId));
    }
    expect(seen).toEqual(
      (await caller.directory.list({ sort: "credits_left", limit: 500 })).rows.map(
        (x) => x.externalId,
      ),
    );
  });

  it("rejects bad input naming the field", async () => {
    const caller = await callerAs(deps, "support");
    await expect(caller.directory.list({ limit: 501 })).rejects.toThrow(/limit/);
    await expect(caller.directory.list({ statuses: ["broke" as "low"] })).rejects.toThrow(
      /statuses/,
    );
  });
});

describe("roles", () => {
  it.each(roles)(
    "%s may read list, plans and syncStatus; only admin may syncNow",
    async (role: Role) => {
      const caller = await callerAs(deps, role);
      await expect(caller.directory.list({ limit: 1 })).resolves.toBeTruthy();
      const plans = await caller.directory.plans();
      expect(plans.plans.map((p) => p.id)).toEqual(["starter", "growth", "scale"]);
      await expect(caller.directory.syncStatus()).resolves.toBeTruthy();
      if (role !== "admin") {
        await expect(caller.directory.syncNow()).rejects.toMatchObject({ code: "FORBIDDEN" });
      }
    },
  );
});

describe("sync now and status", () => {
  it("admin starts one sync (a second call while it runs does not), audited; status shows progress", async () => {
    const admin = await callerAs(deps, "admin");
    const before = await admin.directory.syncStatus();
    expect(before).toMatchObject({ lastResult: "ok", running: null, intervalMinutes: 10 });
    const first = await admin.directory.syncNow();
    const second = await admin.directory.syncNow();
    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    const during = await admin.directory.syncStatus();
    expect(during.running).not.toBeNull();
    while (deps.directory.isRunning()) await new Promise((r) => setTimeout(r, 20));
    const after = await admin.directory.syncStatus();
    expect(after.running).toBeNull();
    expect(after.lastResult).toBe("ok");
    const audit = await deps.repos.audit.list({ limit: 10, action: "directory.sync_now" });
    expect(audit.map((a) => JSON.parse(a.meta_json!) as unknown)).toEqual([
      { started: false },
      { started: true },
    ]);
    expect(audit[0]?.actor_email).toBe("admin@example.com");
  });

  it("the schedule never overlaps runs", async () => {
    const { deps: d2, close } = await depsFor(sandbox, {
      config: { ...deps.config, directory: { ...deps.config.directory, syncIntervalMs: 10 } },
    });
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const list = d2.upstream.unkey.listIdentities.bind(d2.upstream.unkey);
    d2.upstream.unkey.listIdentities = async (p) => {
      if (!p.cursor) {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, 120));
        concurrent--;
      }
      return list(p);
    };
    await d2.directory.start();
    await new Promise((r) => setTimeout(r, 600));
    await d2.directory.stop();
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(maxConcurrent).toBe(1);
    await close();
  });
});

describe("customers.byId for the customer page", () => {
  it("adds allowance, balance at next refill, burn, a summary and pools with scope", async () => {
    const caller = await callerAs(deps, "support");
    const c = await caller.customers.byId({ externalId: "acme-corp" });
    expect(c.keys).toHaveLength(2);
    for (const k of c.keys) {
      expect(k.allowance).toBe(100_000);
      expect(k.balanceAtNextRefill).toBe(Math.max(k.credits!.remaining!, 100_000));
      expect(k.burnPerHour).not.toBeNull();
    }
    expect(c.summary.creditsAllowance).toBe(200_000);
    expect(c.summary.creditsRemaining).toBe(
      c.keys.reduce((s, k) => s + (k.credits?.remaining ?? 0), 0),
    );
    expect(c.summary.nextRefillAt).toBe(c.keys[0]!.nextRefillAt);
    expect(c.pools.length).toBeGreaterThan(0);
    for (const p of c.pools.filter((x) => x.scope === "identity")) {
      expect([...p.keyIds, ...p.overriddenBy].sort()).toEqual(c.keys.map((k) => k.keyId).sort());
    }
    const initech = await caller.customers.byId({ externalId: "initech" });
    expect(initech.summary.forecast.kind).toBe("runs_out");
    await deps.directory.refreshCustomer("acme-corp");
  });

  it("opening a page refreshes that customer's directory row", async () => {
    const caller = await callerAs(deps, "support");
    const key = (await deps.repos.directory.keysOf("acme-corp"))[0]!;
    await sandbox.unkey.call("keys.updateCredits", {
      keyId: key.key_id,
      operation: "decrement",
      value: 5,
    });
    await caller.customers.byId({ externalId: "acme-corp" });
    await deps.directory.refreshCustomer("acme-corp");
    const after = (await deps.repos.directory.keysOf("acme-corp")).find(
      (k) => k.key_id === key.key_id,
    );
    expect(Number(after?.remaining)).toBe(Number(key.remaining) - 5);
  });
});

describe("CSV export", () => {
  async function withApp<T>(
    fn: (app: Awaited<ReturnType<typeof buildApp>>, cookie: string) => Promise<T>,
  ) {
    const app = await buildApp(deps);
    try {
      const csrf = "csrf-test";
      const login = await app.inject({
        method: "POST",
        url: "/trpc/session.signIn",
        headers: {
          "content-type": "application/json",
          "x-csrf-token": csrf,
          cookie: `csrf_token=${csrf}`,
        },
        payload: JSON.stringify({ email: sandboxEmail.finance, password: SANDBOX_PASSWORD }),
      });
      const session = login.cookies.find((c) => c.name === "session")!;
      return await fn(app, `session=${session.value}`);
    } finally {
      await app.close();
    }
  }

  it("needs a session", async () => {
    await withApp(async (app) => {
      const r = await app.inject({ method: "GET", url: "/export/directory.csv" });
      expect(r.statusCode).toBe(401);
    });
  });

  it("streams every matching row (not one page) in the view's order, quoted, as an attachment", async () => {
    await withApp(async (app, cookie) => {
      const input = { plans: ["growth"], sort: "credits_left", dir: "desc", limit: 2 };
      const r = await app.inject({
        method: "GET",
        url: `/export/directory.csv?input=${encodeURIComponent(JSON.stringify(input))}`,
        headers: { cookie },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers["content-type"]).toMatch(/^text\/csv/);
      expect(r.headers["content-disposition"]).toMatch(
        /^attachment; filename="customers-\d{4}-\d{2}-\d{2}\.csv"$/,
      );
      const lines = r.body.trimEnd().split("\r\n");
      expect(lines[0]).toMatch(/^external_id,kind,name,email,plan,status/);
      const expected = all
        .filter((x) => x.plan === "growth")
        .sort((a, b) => compareDirectoryRows(sortable(a), sortable(b), "credits_left", "desc"));
      expect(lines.length - 1).toBe(expected.length);
      expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(expected.map((x) => x.externalId));
    });
  });

  it("answers 400 naming the field on bad input", async () => {
    await withApp(async (app, cookie) => {
      const r = await app.inject({
        method: "GET",
        url: `/export/directory.csv?input=${encodeURIComponent(JSON.stringify({ sort: "bogus" }))}`,
        headers: { cookie },
      });
      expect(r.statusCode).toBe(400);
      expect(r.json<{ error: string }>().error).toMatch(/^sort:/);
      const bad = await app.inject({
        method: "GET",
        url: "/export/directory.csv?input=%7Bnope",
        headers: { cookie },
      });
      expect(bad.statusCode).toBe(400);
    });
  });
});

void TRPCError;
