/**
 * usage.* against the sandbox emulators through the real SDKs. Expected figures are computed
 * independently from the emulator's stored verifications (`sandbox.unkey.verifications`), never
 * from anything the procedures computed.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../context";
import { loadConfig } from "../env";
import { depsFor, startTestSandbox, type Sandbox } from "../testing/sandbox";
import { anonymousCaller, callerAs } from "../testing/harness";
import { describeZodError } from "../trpc";
import { ZodError } from "zod";
import type { Role } from "../store/index";

let sandbox: Sandbox;
let deps: AppDeps;
let closeDeps: () => Promise<void>;
let heaviest: string;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The emulator's keys of a customer, from its own tables. */
function keysOf(externalId: string) {
  return sandbox.db
    .prepare(
      `SELECT k.id, k.remaining FROM unkey_keys k JOIN unkey_identities i ON i.id = k.identity_id
       WHERE i.external_id = ? AND k.deleted_at IS NULL`,
    )
    .all(externalId) as { id: string; remaining: number | null }[];
}

function verificationsOf(externalId: string, fromMs: number, toMs: number) {
  return keysOf(externalId).flatMap((k) =>
    sandbox.unkey
      .verifications({ keyId: k.id, fromMs, toMs })
      .filter((v) => v.time >= fromMs && v.time < toMs),
  );
}

/** The invalid-input message as the HTTP layer formats it ("field: message; …"). */
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
  sandbox = await startTestSandbox({ customers: 40, historyDays: 14 });
  sandbox.clock.freeze();
  ({ deps, close: closeDeps } = await depsFor(sandbox));
  const ids = sandbox.db
    .prepare("SELECT external_id FROM unkey_identities ORDER BY external_id")
    .all() as { external_id: string }[];
  const now = sandbox.clock.now();
  let best = -1;
  for (const { external_id } of ids) {
    const n = verificationsOf(external_id, now - 14 * DAY, now + 1).length;
    if (n > best) [best, heaviest] = [n, external_id];
  }
});
afterAll(async () => {
  await closeDeps();
  await sandbox.close();
});

describe("usage.timeseries", () => {
  it("matches per-bucket, per-outcome counts and spent credits from the stored verifications", async () => {
    const caller = await callerAs(deps, "support");
    for (const range of ["24h", "7d"] as const) {
      const ts = await caller.usage.timeseries({ externalId: heaviest, range });
      const from = Date.parse(ts.from);
      const to = Date.parse(ts.to);
      expect(ts.bucketMs).toBe(range === "24h" ? 15 * 60_000 : HOUR);
      expect(ts.buckets).toBe((to - from) / ts.bucketMs);
      // The last bucket holds now; the range spans the named length.
      const now = sandbox.clock.now();
      expect(to).toBeGreaterThan(now);
      expect(to - ts.bucketMs).toBeLessThanOrEqual(now);
      const expected = new Map<string, number[]>();
      const spent = new Array<number>(ts.buckets).fill(0);
      for (const v of verificationsOf(heaviest, from, to)) {
        const i = Math.floor((v.time - from) / ts.bucketMs);
        const arr = expected.get(v.outcome) ?? new Array<number>(ts.buckets).fill(0);
        arr[i] = (arr[i] ?? 0) + 1;
        expected.set(v.outcome, arr);
        spent[i] = (spent[i] ?? 0) + v.spentCredits;
      }
      expect(new Set(ts.outcomes)).toEqual(new Set(expected.keys()));
      if (expected.has("VALID")) expect(ts.outcomes[0]).toBe("VALID");
      for (const [o, arr] of expected) expect(ts.counts[o]).toEqual(arr);
      expect(ts.spent).toEqual(spent);
      expect(ts.totals.spent).toBe(spent.reduce((a, b) => a + b, 0));
      expect(ts.stale).toBeNull();
    }
  });

  it("fills empty buckets and respects custom boundaries, per key", async () => {
    const caller = await callerAs(deps, "finance");
    const key = keysOf(heaviest)[0]!;
    const now = sandbox.clock.now();
    // A range that starts mid-bucket and reaches into the future: the future buckets are zeros.
    const from = now - 3 * DAY + 123_457;
    const to = now + DAY;
    const ts = await caller.usage.timeseries({
      externalId: heaviest,
      keyId: key.id,
      range: "custom",
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    expect(ts.bucket).toBe("hour");
    const f = Date.parse(ts.from);
    expect(f).toBe(Math.floor(from / HOUR) * HOUR);
    expect(Date.parse(ts.to)).toBe(Math.ceil(to / HOUR) * HOUR);
    const rows = sandbox.unkey
      .verifications({ keyId: key.id })
      .filter((v) => v.time >= f && v.time < Date.parse(ts.to));
    const total = new Array<number>(ts.buckets).fill(0);
    for (const v of rows) total[Math.floor((v.time - f) / HOUR)]! += 1;
    const got = new Array<number>(ts.buckets).fill(0);
    for (const arr of Object.values(ts.counts)) arr.forEach((n, i) => (got[i]! += n));
    expect(got).toEqual(total);
    // The last day is in the future: filled with zeros, present.
    expect(got.slice(-23).every((n) => n === 0)).toBe(true);
  });

  it("allows a 90-day hourly override and rejects too-fine buckets, naming the field", async () => {
    const caller = await callerAs(deps, "finance");
    const ts = await caller.usage.timeseries({
      externalId: heaviest,
      range: "90d",
      bucket: "hour",
    });
    expect(ts.buckets).toBe(90 * 24);
    expect(
      await inputError(
        caller.usage.timeseries({ externalId: heaviest, range: "90d", bucket: "minute" }),
      ),
    ).toMatch(/bucket: too fine/);
  });

  it("validates custom ranges with field names", async () => {
    const caller = await callerAs(deps, "finance");
    const at = (ms: number) => new Date(ms).toISOString();
    const now = sandbox.clock.now();
    expect(
      await inputError(
        caller.usage.timeseries({
          externalId: heaviest,
          range: "custom",
          from: at(now),
          to: at(now - 1),
        }),
      ),
    ).toMatch(/to: must be after from/);
    expect(
      await inputError(
        caller.usage.timeseries({
          externalId: heaviest,
          range: "custom",
          from: at(now - 400 * DAY),
          to: at(now),
        }),
      ),
    ).toMatch(/to: at most 366 days/);
    expect(
      await inputError(caller.usage.timeseries({ externalId: heaviest, range: "custom" })),
    ).toMatch(/from: required/);
    expect(
      await inputError(
        caller.usage.timeseries({ externalId: heaviest, range: "24h", from: at(now) }),
      ),
    ).toMatch(/from: only with range "custom"/);
    expect(await inputError(caller.usage.timeseries({ externalId: "", range: "24h" }))).toMatch(
      /externalId/,
    );
  });

  it("escapes a hostile externalId: no rows, no error, nothing else matched", async () => {
    const caller = await callerAs(deps, "finance");
    for (const evil of ["x' OR 1=1 --", "a\\' OR external_id != '", "'; DROP TABLE x; --"]) {
      const ts = await caller.usage.timeseries({ externalId: evil, range: "7d" });
      expect(ts.totals.verifications).toBe(0);
      expect(ts.outcomes).toEqual([]);
      expect(ts.spent.every((n) => n === 0)).toBe(true);
    }
  });
});

describe("usage.burndown", () => {
  it("reconstructs the current remaining at its last point and starts at the last refill", async () => {
    const caller = await callerAs(deps, "account_manager");
    const ids = sandbox.db
      .prepare(
        `SELECT DISTINCT i.external_id FROM unkey_identities i JOIN unkey_keys k ON k.identity_id = i.id
         WHERE k.remaining IS NOT NULL AND k.refill_interval IS NOT NULL ORDER BY i.external_id LIMIT 6`,
      )
      .all() as { external_id: string }[];
    expect(ids.length).toBeGreaterThan(0);
    const now = sandbox.clock.now();
    for (const { external_id } of ids) {
      const b = await caller.usage.burndown({ externalId: external_id });
      if (b.kind === "unlimited") continue;
      expect(b.kind).toBe("refill_period");
      const remaining = keysOf(external_id).reduce((s, k) => s + (k.remaining ?? 0), 0);
      expect(b.remaining).toBe(remaining);
      expect(b.actual.at(-1)).toEqual({ t: new Date(now).toISOString(), balance: remaining });
      // First point = remaining + everything spent since the window start (independent sum).
      const spentSince = verificationsOf(external_id, Date.parse(b.from), now + 1).reduce(
        (s, v) => s + v.spentCredits,
        0,
      );
      expect(b.actual[0]!.balance).toBe(remaining + spentSince);
      expect(Date.parse(b.from)).toBeLessThanOrEqual(now);
      expect(Date.parse(b.to)).toBeGreaterThan(now);
      expect(b.projected[0]).toEqual({ t: new Date(now).toISOString(), balance: remaining });
      expect(b.markers).toEqual([]);
    }
  });
});

describe("usage.burndown markers", () => {
  it("shows a done grant on a key at its time, and a done plan change, from the operations ledger", async () => {
    const caller = await callerAs(deps, "support");
    const [row] = sandbox.db
      .prepare(
        `SELECT i.external_id, k.id AS key_id FROM unkey_identities i JOIN unkey_keys k ON k.identity_id = i.id
         WHERE k.remaining IS NOT NULL AND k.deleted_at IS NULL ORDER BY i.external_id LIMIT 1`,
      )
      .all() as { external_id: string; key_id: string }[];
    const { external_id: externalId, key_id: keyId } = row!;
    const before = await caller.usage.burndown({ externalId, keyId });
    const now = sandbox.clock.now();
    const at = now - HOUR;
    const actor = { id: "s1", email: "support@example.com", role: "support" as const };
    const insert = async (
      id: string,
      kind: "grant" | "plan_change",
      input: object,
      steps: object,
      amount: number | null,
    ) => {
      const { row: op } = await deps.repos.operations.insertOnce({
        id,
        kind,
        state: "pending",
        actor,
        externalId,
        inputJson: JSON.stringify(input),
        amount,
        reviewReason: null,
        now: at - 1_000,
      });
      await deps.repos.operations.transition(op, { state: "done", steps, now: at });
    };
    await insert(
      "00000000-0000-4000-8000-000000000001",
      "grant",
      { externalId, keyId, amount: 500, kind: "billable", reason: "test" },
      { plan: { keyId }, unkey: { keyId, preReadAt: at, preRemaining: 1 } },
      500,
    );
    // A grant on another key of nobody: not on this key's chart.
    await insert(
      "00000000-0000-4000-8000-000000000002",
      "grant",
      { externalId, keyId: "key_other", amount: 7, kind: "goodwill", reason: "test" },
      { plan: { keyId: "key_other" }, unkey: { keyId: "key_other", preReadAt: at } },
      7,
    );
    await insert(
      "00000000-0000-4000-8000-000000000003",
      "plan_change",
      { externalId, planId: "growth", strategy: "reset" },
      { plan: { fromPlanId: "starter", toPlanId: "growth" } },
      null,
    );
    deps.analytics.invalidate();
    const b = await caller.usage.burndown({ externalId, keyId });
    const inWindow = (t: number) => t >= Date.parse(before.from) && t < Date.parse(before.to);
    expect(inWindow(at)).toBe(true);
    expect(b.markers).toEqual([
      { t: new Date(at).toISOString(), kind: "grant", label: "+500 credits (billable grant)" },
      { t: new Date(at).toISOString(), kind: "plan_change", label: "Plan starter → growth" },
    ]);
  });
});

describe("usage.pools", () => {
  it("reports each pool and the peak tagged usage per window, or says it cannot", async () => {
    const caller = await callerAs(deps, "support");
    const p = await caller.usage.pools({ externalId: heaviest });
    expect(p.pools.length).toBeGreaterThan(0);
    const to = Date.parse(p.to);
    const from = Date.parse(p.from);
    for (const pool of p.pools) {
      const tagged = verificationsOf(heaviest, from, to).filter(
        (v) =>
          v.tags.includes(`pool:${pool.name}`) &&
          (pool.scope === "identity" || pool.keyIds.includes(v.keyId)),
      );
      if (!pool.usage.derivable) {
        expect(
          verificationsOf(heaviest, from, to).some((v) => v.tags.includes(`pool:${pool.name}`)),
        ).toBe(false);
        continue;
      }
      const windows = new Map<string, number>();
      for (const v of verificationsOf(heaviest, from, to).filter((x) =>
        x.tags.includes(`pool:${pool.name}`),
      )) {
        const w = `${Math.floor(v.time / pool.durationMs)}:${pool.scope === "key" ? v.keyId : ""}`;
        windows.set(w, (windows.get(w) ?? 0) + 1);
      }
      expect(pool.usage.peakPerWindow).toBe(Math.max(...windows.values()));
      expect(tagged.length).toBeGreaterThan(0);
    }
  });
});

describe("analytics budget", () => {
  it("serves the last result labelled with its age instead of failing when the budget is spent", async () => {
    const base = loadConfig({ NODE_ENV: "test" }).directory;
    const { deps: tight, close } = await depsFor(sandbox, {
      config: { directory: { ...base, analyticsPerHour: 1, analyticsReserve: 0 } },
    });
    try {
      const caller = await callerAs(tight, "finance");
      const now = sandbox.clock.now();
      const input = {
        externalId: heaviest,
        range: "custom" as const,
        from: new Date(now - DAY).toISOString(),
        to: new Date(now + DAY).toISOString(),
      };
      const first = await caller.usage.timeseries(input);
      expect(first.stale).toBeNull();
      // Past the 60 s cache TTL with the hourly budget (1) spent: the old answer, labelled.
      sandbox.clock.advance(90_000);
      const again = await caller.usage.timeseries(input);
      expect(again.stale).toEqual({ ageSeconds: 90 });
      expect(again.counts).toEqual(first.counts);
      // A question never asked before has nothing to fall back on: a clear error, not a hang.
      await expect(caller.usage.timeseries({ externalId: heaviest, range: "7d" })).rejects.toThrow(
        /budget/,
      );
    } finally {
      await close();
    }
  });
});

describe("roles", () => {
  it("lets every staff role read usage and refuses anonymous callers", async () => {
    for (const role of ["admin", "account_manager", "support", "finance"] as Role[]) {
      const caller = await callerAs(deps, role);
      await expect(
        caller.usage.timeseries({ externalId: heaviest, range: "24h" }),
      ).resolves.toBeTruthy();
    }
    const { caller } = anonymousCaller(deps);
    await expect(caller.usage.timeseries({ externalId: heaviest, range: "24h" })).rejects.toThrow(
      TRPCError,
    );
  });
});
