/** Credits, refills, ratelimits, pagination and determinism of the Unkey emulator. */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { SandboxClock } from "../core/clock";
import { UnkeyEmulator } from "./emulator";
import { refillsAt } from "./refill";
import { startHarness, type Harness } from "./testing/harness";

function setup(at: string) {
  const db = new Database(":memory:");
  const clock = new SandboxClock();
  clock.freeze(Date.parse(at));
  const emulator = new UnkeyEmulator({ db, clock });
  const call = async (endpoint: string, body: unknown) => {
    const res = await emulator.call(endpoint, body);
    if (res.status !== 200)
      throw new Error(`${endpoint} → ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { data: any }).data;
  };
  const createKey = async (extra: Record<string, unknown>) =>
    (await call("keys.createKey", { apiId: emulator.apiId, ...extra })) as {
      keyId: string;
      key: string;
    };
  const remaining = async (keyId: string) =>
    ((await call("keys.getKey", { keyId })) as { credits?: { remaining: number } }).credits
      ?.remaining;
  return { db, clock, emulator, call, createKey, remaining };
}

describe("refills at 00:00 UTC", () => {
  it("refillDay 31 refills on the last day of April", async () => {
    const t = setup("2027-04-28T12:00:00Z");
    const { keyId } = await t.createKey({
      credits: { remaining: 10, refill: { interval: "monthly", amount: 100, refillDay: 31 } },
    });
    t.clock.advanceTo(Date.parse("2027-04-29T23:59:59Z"));
    expect(await t.remaining(keyId)).toBe(10);
    t.clock.advanceTo(Date.parse("2027-04-30T00:00:00Z"));
    expect(await t.remaining(keyId)).toBe(100);
    // And not again on May 1st or May 30th, but on May 31st.
    await t.call("keys.updateCredits", { keyId, operation: "set", value: 1 });
    t.clock.advanceTo(Date.parse("2027-05-30T12:00:00Z"));
    expect(await t.remaining(keyId)).toBe(1);
    t.clock.advanceTo(Date.parse("2027-05-31T00:00:00Z"));
    expect(await t.remaining(keyId)).toBe(100);
  });

  it("refillDay 31 refills on Feb 29 in leap 2028 and Feb 28 in 2027", async () => {
    for (const [year, lastDay] of [
      [2028, 29],
      [2027, 28],
    ] as const) {
      const t = setup(`${year}-02-27T06:00:00Z`);
      const { keyId } = await t.createKey({
        credits: { remaining: 0, refill: { interval: "monthly", amount: 50, refillDay: 31 } },
      });
      t.clock.advanceTo(Date.parse(`${year}-02-${lastDay - 1}T23:00:00Z`));
      expect(await t.remaining(keyId), `${year}`).toBe(0);
      t.clock.advanceTo(Date.parse(`${year}-02-${lastDay}T00:00:00Z`));
      expect(await t.remaining(keyId), `${year}`).toBe(50);
    }
    expect(
      refillsAt(Date.parse("2028-02-28T00:00:00Z"), { interval: "monthly", refillDay: 30 }),
    ).toBe(false);
    expect(
      refillsAt(Date.parse("2028-02-29T00:00:00Z"), { interval: "monthly", refillDay: 30 }),
    ).toBe(true);
    expect(
      refillsAt(Date.parse("2027-02-28T00:00:00Z"), { interval: "monthly", refillDay: 29 }),
    ).toBe(true);
  });

  it("daily keys refill every midnight; a balance >= amount is left alone", async () => {
    const t = setup("2026-03-10T15:00:00Z");
    const low = await t.createKey({
      credits: { remaining: 3, refill: { interval: "daily", amount: 20 } },
    });
    const high = await t.createKey({
      credits: { remaining: 150, refill: { interval: "daily", amount: 20 } },
    });
    const exact = await t.createKey({
      credits: { remaining: 20, refill: { interval: "daily", amount: 20 } },
    });
    t.clock.advanceTo(Date.parse("2026-03-11T00:00:00Z"));
    expect(await t.remaining(low.keyId)).toBe(20);
    expect(await t.remaining(high.keyId)).toBe(150);
    expect(await t.remaining(exact.keyId)).toBe(20);
    await t.call("keys.verifyKey", { key: low.key, credits: { cost: 15 } });
    expect(await t.remaining(low.keyId)).toBe(5);
    // Three midnights crossed at once refill once (to amount), not three times.
    t.clock.advance(3 * 86_400_000);
    expect(await t.remaining(low.keyId)).toBe(20);
  });

  it("catches up lazily after a restart and never refills the same midnight twice", async () => {
    const t = setup("2026-06-01T10:00:00Z");
    const { keyId, key } = await t.createKey({
      credits: { remaining: 5, refill: { interval: "daily", amount: 10 } },
    });
    t.emulator.close();
    // A restart two days later: no clock advance event, only a request.
    const clock2 = new SandboxClock();
    clock2.freeze(Date.parse("2026-06-03T08:00:00Z"));
    const second = new UnkeyEmulator({ db: t.db, clock: clock2 });
    const get = async () =>
      ((await second.call("keys.getKey", { keyId })).body as any).data.credits.remaining as number;
    expect(await get()).toBe(10);
    await second.call("keys.verifyKey", { key, credits: { cost: 4 } });
    expect(await get()).toBe(6);
    // Another restart the same day must not refill again.
    second.close();
    const third = new UnkeyEmulator({ db: t.db, clock: clock2 });
    expect(((await third.call("keys.getKey", { keyId })).body as any).data.credits.remaining).toBe(
      6,
    );
    expect(
      third.runRefills(Date.parse("2026-06-01T00:00:00Z"), Date.parse("2026-06-03T08:00:00Z")),
    ).toBe(0);
  });

  it("rejects monthly refills without refillDay", async () => {
    const t = setup("2026-01-01T00:00:00Z");
    const res = await t.emulator.call("keys.createKey", {
      apiId: t.emulator.apiId,
      credits: { remaining: 1, refill: { interval: "monthly", amount: 1 } },
    });
    expect(res.status).toBe(400);
  });
});

describe("verifyKey credits", () => {
  it("spends credits.cost (default 1, 0 allowed, >1 allowed) and spends nothing when short", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    const { keyId, key } = await t.createKey({ credits: { remaining: 5 } });
    expect(await t.call("keys.verifyKey", { key })).toMatchObject({
      valid: true,
      code: "VALID",
      credits: 4,
    });
    expect(await t.call("keys.verifyKey", { key, credits: { cost: 3 } })).toMatchObject({
      valid: true,
      credits: 1,
    });
    expect(await t.call("keys.verifyKey", { key, credits: { cost: 2 } })).toMatchObject({
      valid: false,
      code: "USAGE_EXCEEDED",
      credits: 1,
    });
    expect(await t.call("keys.verifyKey", { key, credits: { cost: 0 } })).toMatchObject({
      valid: true,
      code: "VALID",
      credits: 1,
    });
    expect(await t.call("keys.verifyKey", { key })).toMatchObject({ valid: true, credits: 0 });
    expect(await t.call("keys.verifyKey", { key })).toMatchObject({
      valid: false,
      code: "USAGE_EXCEEDED",
      credits: 0,
    });
    expect(await t.call("keys.verifyKey", { key, credits: { cost: 0 } })).toMatchObject({
      valid: true,
      credits: 0,
    });
    const rows = t.emulator.verifications({ keyId });
    expect(rows.map((r) => [r.outcome, r.spentCredits])).toEqual([
      ["VALID", 1],
      ["VALID", 3],
      ["USAGE_EXCEEDED", 0],
      ["VALID", 0],
      ["VALID", 1],
      ["USAGE_EXCEEDED", 0],
      ["VALID", 0],
    ]);
    expect(await t.remaining(keyId)).toBe(0);
  });

  it("returns DISABLED and EXPIRED without spending, and decrement floors at 0", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    const disabled = await t.createKey({ enabled: false, credits: { remaining: 5 } });
    expect(await t.call("keys.verifyKey", { key: disabled.key })).toMatchObject({
      valid: false,
      code: "DISABLED",
      credits: 5,
    });
    const expiring = await t.createKey({
      expires: Date.parse("2026-01-10T01:00:00Z"),
      credits: { remaining: 5 },
    });
    expect(await t.call("keys.verifyKey", { key: expiring.key })).toMatchObject({
      valid: true,
      credits: 4,
    });
    t.clock.advance(3_600_000);
    expect(await t.call("keys.verifyKey", { key: expiring.key })).toMatchObject({
      valid: false,
      code: "EXPIRED",
      credits: 4,
    });
    expect(
      await t.call("keys.updateCredits", {
        keyId: expiring.keyId,
        operation: "decrement",
        value: 99,
      }),
    ).toEqual({ remaining: 0 });
    expect(t.emulator.verifications().map((r) => r.outcome)).toEqual([
      "DISABLED",
      "VALID",
      "EXPIRED",
    ]);
  });

  it("checks permission queries", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    const { key } = await t.createKey({ permissions: ["documents.*", "users.view"] });
    expect(
      await t.call("keys.verifyKey", { key, permissions: "documents.read AND users.view" }),
    ).toMatchObject({ valid: true });
    expect(
      await t.call("keys.verifyKey", {
        key,
        permissions: "billing.read OR (users.edit AND users.view)",
      }),
    ).toMatchObject({
      valid: false,
      code: "INSUFFICIENT_PERMISSIONS",
    });
    expect(
      (await t.emulator.call("keys.verifyKey", { key, permissions: "AND users.view" })).status,
    ).toBe(400);
  });
});

describe("verifyKey ratelimits", () => {
  it("applies autoApply limits per fixed window and resets after the window", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    const { key } = await t.createKey({
      credits: { remaining: 100 },
      ratelimits: [{ name: "requests", limit: 3, duration: 10_000, autoApply: true }],
    });
    for (let i = 0; i < 3; i++)
      expect(await t.call("keys.verifyKey", { key })).toMatchObject({ valid: true });
    const limited = await t.call("keys.verifyKey", { key });
    expect(limited).toMatchObject({ valid: false, code: "RATE_LIMITED", credits: 97 });
    expect(limited.ratelimits[0]).toMatchObject({
      name: "requests",
      exceeded: true,
      remaining: 0,
      limit: 3,
      reset: 10_000,
    });
    t.clock.advance(9_999);
    expect(await t.call("keys.verifyKey", { key })).toMatchObject({ code: "RATE_LIMITED" });
    t.clock.advance(1);
    expect(await t.call("keys.verifyKey", { key })).toMatchObject({ valid: true, credits: 96 });
  });

  it("shares identity limits across keys, and a key limit overrides the identity's of the same name", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    await t.call("identities.createIdentity", {
      externalId: "pool",
      ratelimits: [{ name: "requests", limit: 2, duration: 60_000, autoApply: true }],
    });
    const a = await t.createKey({ externalId: "pool" });
    const b = await t.createKey({ externalId: "pool" });
    const own = await t.createKey({
      externalId: "pool",
      ratelimits: [{ name: "requests", limit: 4, duration: 60_000, autoApply: true }],
    });
    expect(await t.call("keys.verifyKey", { key: a.key })).toMatchObject({ valid: true });
    expect(await t.call("keys.verifyKey", { key: b.key })).toMatchObject({ valid: true });
    expect(await t.call("keys.verifyKey", { key: a.key })).toMatchObject({ code: "RATE_LIMITED" });
    // The overriding key has its own pool of 4.
    for (let i = 0; i < 4; i++)
      expect(await t.call("keys.verifyKey", { key: own.key })).toMatchObject({ valid: true });
    expect(await t.call("keys.verifyKey", { key: own.key })).toMatchObject({
      code: "RATE_LIMITED",
    });
  });

  it("applies non-autoApply limits only when named in the request", async () => {
    const t = setup("2026-01-10T00:00:00Z");
    const { key } = await t.createKey({
      ratelimits: [{ name: "heavy", limit: 1, duration: 60_000, autoApply: false }],
    });
    for (let i = 0; i < 3; i++) {
      const r = await t.call("keys.verifyKey", { key });
      expect(r).toMatchObject({ valid: true });
      expect(r.ratelimits).toBeUndefined();
    }
    expect(await t.call("keys.verifyKey", { key, ratelimits: [{ name: "heavy" }] })).toMatchObject({
      valid: true,
    });
    expect(await t.call("keys.verifyKey", { key, ratelimits: [{ name: "heavy" }] })).toMatchObject({
      code: "RATE_LIMITED",
    });
    expect(
      (await t.emulator.call("keys.verifyKey", { key, ratelimits: [{ name: "missing" }] })).status,
    ).toBe(400);
  });
});

describe("pagination and determinism", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("the SDK iterator sees each of 250 keys exactly once with limit 100", async () => {
    h = await startHarness();
    const created = new Set<string>();
    for (let i = 0; i < 250; i++) {
      const res = await h.emulator.call("keys.createKey", {
        apiId: h.emulator.apiId,
        name: `k${i}`,
      });
      created.add((res.body as any).data.keyId);
    }
    const seen: string[] = [];
    let pages = 0;
    for await (const page of await h.sdk.apis.listKeys({ apiId: h.emulator.apiId, limit: 100 })) {
      pages++;
      seen.push(...page.result.data.map((k) => k.keyId));
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(250);
    expect(new Set(seen)).toEqual(created);
    const last = h.last("apis.listKeys").body as any;
    expect(last.pagination).toEqual({ hasMore: false });
    expect(last.data).toHaveLength(50);
  });

  it("ids and keys are deterministic for the same sequence of operations", async () => {
    const run = async () => {
      const t = setup("2026-01-01T00:00:00Z");
      const i = await t.call("identities.createIdentity", { externalId: "acme" });
      const k = await t.createKey({
        externalId: "acme",
        ratelimits: [{ name: "r1x", limit: 1, duration: 1000, autoApply: true }],
      });
      const got = await t.call("keys.getKey", { keyId: k.keyId });
      return { i, k, rl: got.ratelimits };
    };
    expect(await run()).toEqual(await run());
  });
});
