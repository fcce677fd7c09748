/**
 * startSandbox and the control API end to end: clock and refills, faults as the SDKs see them,
 * persistence across restarts, reset, and the traffic simulator.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConnectionError, UnkeyError } from "@unkey/api/models/errors";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "./index";
import { allKeys, control, sdkClients } from "./testing/clients";
import { TrafficSimulator } from "./traffic";
import { DAY_MS, startOfUtcDay } from "./world/calendar";

const START = "2026-03-18T15:20:00Z";
const small = { customers: 20, historyDays: 10 };

async function remainingOf(
  sb: Sandbox,
  externalId: string,
): Promise<(number | null | undefined)[]> {
  const { unkey } = sdkClients(sb);
  return (await allKeys(unkey, sb.credentials.unkeyApiId, externalId)).map(
    (k) => k.credits?.remaining,
  );
}

describe("control API", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ dataDir: null, traffic: false, startAt: START, world: small });
  });
  afterAll(() => sb.close());
  afterEach(() => {
    sb.faults.unkey.clear();
    sb.faults.stripe.clear();
  });

  it("is served on both ports and describes the sandbox", async () => {
    for (const base of [sb.unkeyUrl, sb.stripeUrl]) {
      const info = await control(base, "GET", "/_sandbox/info");
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({
        unkeyUrl: sb.unkeyUrl,
        stripeUrl: sb.stripeUrl,
        credentials: {
          unkeyRootKey: "unkey_sandbox_root",
          unkeyApiId: "api_sandbox",
          stripeSecretKey: "sk_test_sandbox",
        },
        seed: 42,
        world: { customers: 20, historyDays: 10 },
        counts: { identities: 20 },
      });
      expect(info.body.counts.verifications).toBeGreaterThan(1000);
    }
    expect(sb.unkeyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await control(sb.unkeyUrl, "GET", "/_sandbox/nope")).status).toBe(404);
    expect((await control(sb.unkeyUrl, "GET", "/_sandbox/reset")).status).toBe(405);
  });

  it("reads, freezes and unfreezes the clock", async () => {
    const frozen = await control(sb.unkeyUrl, "POST", "/_sandbox/clock/freeze");
    expect(frozen.body.frozen).toBe(true);
    const read = await control(sb.stripeUrl, "GET", "/_sandbox/clock");
    expect(read.body).toMatchObject({
      now: frozen.body.now,
      iso: new Date(frozen.body.now).toISOString(),
      frozen: true,
    });
    const thawed = await control(sb.unkeyUrl, "POST", "/_sandbox/clock/unfreeze");
    expect(thawed.body.frozen).toBe(false);
    expect(thawed.body.now).toBeGreaterThanOrEqual(frozen.body.now);
  });

  it("rejects bad bodies with 400 naming the field", async () => {
    const cases: [string, unknown, string][] = [
      ["/_sandbox/clock/advance", { ms: -5 }, "ms"],
      ["/_sandbox/clock/advance", {}, "ms"],
      ["/_sandbox/clock/advance", { to: "yesterday-ish" }, "to"],
      ["/_sandbox/clock/advance", { to: "2020-01-01T00:00:00Z" }, "to"],
      ["/_sandbox/faults", { service: "paypal", endpoint: "*", kind: "drop" }, "service"],
      ["/_sandbox/faults", { service: "unkey", endpoint: "*", kind: "explode" }, "kind"],
      [
        "/_sandbox/faults",
        { service: "unkey", endpoint: "*", kind: "status", status: 200 },
        "status",
      ],
      [
        "/_sandbox/faults",
        { service: "unkey", endpoint: "*", kind: "drop", probability: 2 },
        "probability",
      ],
      ["/_sandbox/faults", "{not json", "(body)"],
    ];
    for (const [path, body, field] of cases) {
      const res = await control(sb.unkeyUrl, "POST", path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toContain(field);
    }
  });

  it("injects a 503 the Unkey SDK raises as its typed error, once", async () => {
    const { unkey } = sdkClients(sb);
    const added = await control(sb.stripeUrl, "POST", "/_sandbox/faults", {
      service: "unkey",
      endpoint: "identities.getIdentity",
      kind: "status",
      status: 503,
      times: 1,
    });
    expect(added.status).toBe(201);
    expect(
      (await control(sb.unkeyUrl, "GET", "/_sandbox/faults?service=unkey")).body.faults,
    ).toHaveLength(1);
    const err = await unkey.identities
      .getIdentity({ identity: "acme-corp" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnkeyError);
    expect((err as UnkeyError).statusCode).toBe(503);
    // Used up: the next call goes through.
    const ok = await unkey.identities.getIdentity({ identity: "acme-corp" });
    expect(ok.data.externalId).toBe("acme-corp");
  });

  it("injects a 429 with Retry-After the Stripe SDK raises as a rate limit error", async () => {
    const { stripe, unkey } = sdkClients(sb);
    const { data: acme } = await unkey.identities.getIdentity({ identity: "acme-corp" });
    await control(sb.unkeyUrl, "POST", "/_sandbox/faults", {
      service: "stripe",
      endpoint: "GET /v1/customers/*",
      kind: "status",
      status: 429,
      retryAfter: 3,
    });
    const err = await stripe.customers
      .retrieve(String(acme.meta?.stripeCustomerId))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect((err as Stripe.errors.StripeError).statusCode).toBe(429);
    expect((err as Stripe.errors.StripeError).headers?.["retry-after"]).toBe("3");
    // Other endpoints are untouched.
    expect((await stripe.customers.list({ limit: 1 })).data).toHaveLength(1);
    const cleared = await control(sb.unkeyUrl, "DELETE", "/_sandbox/faults", { service: "stripe" });
    expect(cleared.body.removed).toBe(1);
    expect((await stripe.customers.retrieve(String(acme.meta?.stripeCustomerId))).id).toBe(
      acme.meta?.stripeCustomerId,
    );
  });

  it("drops the connection: the SDK sees a connection error", async () => {
    const { unkey } = sdkClients(sb);
    await control(sb.unkeyUrl, "POST", "/_sandbox/faults", {
      service: "unkey",
      endpoint: "keys.getKey",
      kind: "drop",
    });
    const [key] = await allKeys(unkey, sb.credentials.unkeyApiId, "acme-corp");
    const err = await unkey.keys.getKey({ keyId: key!.keyId }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
  });

  it("resets the analytics quota", async () => {
    const res = await control(sb.unkeyUrl, "POST", "/_sandbox/quota/reset");
    expect(res).toEqual({ status: 200, body: { ok: true } });
  });
});

describe("clock advance across 00:00 UTC", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ dataDir: null, traffic: false, startAt: START, world: small });
  });
  afterAll(() => sb.close());

  it("refills initech's daily keys via the control API, and leaves monthly keys alone", async () => {
    const before = await remainingOf(sb, "initech");
    expect(before.every((r) => typeof r === "number" && r < 100)).toBe(true);
    const acmeBefore = await remainingOf(sb, "acme-corp");
    const globexBefore = await remainingOf(sb, "globex");

    const nextMidnight = startOfUtcDay(sb.clock.now()) + DAY_MS;
    // Just before midnight: nothing yet.
    let res = await control(sb.unkeyUrl, "POST", "/_sandbox/clock/advance", {
      to: new Date(nextMidnight - 1000).toISOString(),
    });
    expect(res.status).toBe(200);
    expect(await remainingOf(sb, "initech")).toEqual(before);
    res = await control(sb.unkeyUrl, "POST", "/_sandbox/clock/advance", { ms: 2000 });
    expect(res.body.now).toBeGreaterThanOrEqual(nextMidnight);
    expect(await remainingOf(sb, "initech")).toEqual(before.map(() => 1000));
    // 19 March is neither acme's (31st) nor globex's (1st) refill day.
    expect(await remainingOf(sb, "acme-corp")).toEqual(acmeBefore);
    expect(await remainingOf(sb, "globex")).toEqual(globexBefore);

    // On to 1 April: globex (scale, day 1) refills; acme refilled on 31 March.
    await control(sb.stripeUrl, "POST", "/_sandbox/clock/advance", { to: "2026-04-01T00:00:01Z" });
    expect(await remainingOf(sb, "globex")).toEqual(globexBefore.map(() => 1_000_000));
    expect(await remainingOf(sb, "acme-corp")).toEqual(acmeBefore.map(() => 100_000));
  });
});

describe("persistence and reset", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("keeps state and clock across close + restart on the same data folder, without reseeding", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sandbox-persist-"));
    dirs.push(dataDir);
    const first = await startSandbox({
      dataDir,
      traffic: false,
      template: true,
      startAt: START,
      world: small,
    });
    expect(first.loadedFrom).toBe("template");
    const { unkey } = sdkClients(first);
    const [key] = await allKeys(unkey, first.credentials.unkeyApiId, "acme-corp");
    const updated = await unkey.keys.updateCredits({
      keyId: key!.keyId,
      operation: "increment",
      value: 1234,
    });
    first.clock.advance(3_600_000);
    const clockBefore = first.clock.now();
    const countsBefore = first.info().counts;
    await first.close();

    const second = await startSandbox({ dataDir, traffic: false, world: small });
    try {
      expect(second.loadedFrom).toBe("existing");
      expect(second.clock.now()).toBeGreaterThanOrEqual(clockBefore);
      expect(second.clock.now() - clockBefore).toBeLessThan(60_000);
      expect(second.info().counts).toEqual(countsBefore);
      const again = await sdkClients(second).unkey.keys.getKey({ keyId: key!.keyId });
      expect(again.data.credits?.remaining).toBe(updated.data.remaining);
    } finally {
      await second.close();
    }
  });

  it("reseeds a data folder from scratch when asked to (--reset)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "sandbox-reset-flag-"));
    dirs.push(dataDir);
    const first = await startSandbox({ dataDir, traffic: false, world: small });
    expect(first.loadedFrom).toBe("seeded");
    const { unkey } = sdkClients(first);
    const [key] = await allKeys(unkey, first.credentials.unkeyApiId, "globex");
    await unkey.keys.updateCredits({ keyId: key!.keyId, operation: "set", value: 5 });
    await first.close();
    const second = await startSandbox({ dataDir, traffic: false, world: small, reset: true });
    try {
      expect(second.loadedFrom).toBe("seeded");
      expect(
        (await sdkClients(second).unkey.keys.getKey({ keyId: key!.keyId })).data.credits?.remaining,
      ).toBe(0);
    } finally {
      await second.close();
    }
  });

  it("POST /_sandbox/reset wipes changes and reseeds the same world", async () => {
    const sb = await startSandbox({ dataDir: null, traffic: false, startAt: START, world: small });
    try {
      const { unkey } = sdkClients(sb);
      const seeded = await allKeys(unkey, sb.credentials.unkeyApiId);
      const [first] = seeded;
      await unkey.keys.deleteKey({ keyId: first!.keyId });
      await unkey.identities.createIdentity({ externalId: "intruder" });
      await control(sb.unkeyUrl, "POST", "/_sandbox/faults", {
        service: "unkey",
        endpoint: "*",
        kind: "latency",
        latencyMs: 1,
      });
      expect((await allKeys(unkey, sb.credentials.unkeyApiId)).length).toBe(seeded.length - 1);

      const res = await control(sb.stripeUrl, "POST", "/_sandbox/reset");
      expect(res.status).toBe(200);
      expect(res.body.world.identities).toBe(20);
      const after = await allKeys(unkey, sb.credentials.unkeyApiId);
      // Same keys (ids are deterministic), balances as seeded, no intruder, faults cleared.
      expect(after.map((k) => [k.keyId, k.name, k.credits?.remaining])).toEqual(
        seeded.map((k) => [k.keyId, k.name, k.credits?.remaining]),
      );
      await expect(unkey.identities.getIdentity({ identity: "intruder" })).rejects.toMatchObject({
        statusCode: 404,
      });
      expect(sb.faults.unkey.list()).toEqual([]);
    } finally {
      await sb.close();
    }
  });
});

describe("traffic simulator", () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ dataDir: null, traffic: false, startAt: START, world: small });
  });
  afterAll(() => sb.close());

  it("verifies seeded keys through keys.verifyKey, never the fixtures'", async () => {
    const count = () =>
      (sb.db.prepare("SELECT count(*) AS n FROM unkey_verifications").get() as { n: number }).n;
    const fixtureKeys = sb.db
      .prepare("SELECT key_id FROM sandbox_traffic_keys WHERE fixture = 1")
      .all() as { key_id: string }[];
    const fixtureCount = () =>
      fixtureKeys.reduce((a, k) => a + sb.unkey.verifications({ keyId: k.key_id }).length, 0);
    const before = count();
    const fixturesBefore = fixtureCount();
    const traffic = new TrafficSimulator({ db: sb.db, unkey: sb.unkey, clock: sb.clock });
    await traffic.send(200);
    expect(traffic.stats.sent).toBe(200);
    expect(traffic.stats.errors).toBe(0);
    expect(count()).toBe(before + 200);
    expect(fixtureCount()).toBe(fixturesBefore);
    expect(Object.keys(traffic.stats.codes)).toContain("VALID");
    // The verifications are stamped with the sandbox clock, not the machine's.
    const latest = sb.db.prepare("SELECT max(time) AS t FROM unkey_verifications").get() as {
      t: number;
    };
    expect(Math.abs(latest.t - sb.clock.now())).toBeLessThan(5_000);
  });

  it("runs on a timer at roughly its rate, stops, and never throws out of the timer", async () => {
    const traffic = new TrafficSimulator(
      { db: sb.db, unkey: sb.unkey, clock: sb.clock },
      { ratePerSecond: 100, tickMs: 20 },
    );
    traffic.start();
    expect(traffic.running).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    traffic.stop();
    expect(traffic.running).toBe(false);
    expect(traffic.stats.sent).toBeGreaterThan(20);
    expect(traffic.stats.sent).toBeLessThan(120);
    const sent = traffic.stats.sent;
    await new Promise((r) => setTimeout(r, 100));
    expect(traffic.stats.sent).toBe(sent);

    const failing = new TrafficSimulator(
      {
        db: sb.db,
        unkey: {
          ...sb.unkey,
          call: () => Promise.reject(new Error("emulator exploded")),
        } as unknown as Sandbox["unkey"],
        clock: sb.clock,
        log: () => {},
      },
      { ratePerSecond: 100, tickMs: 20 },
    );
    failing.start();
    await new Promise((r) => setTimeout(r, 200));
    failing.stop();
    expect(failing.stats.errors).toBeGreaterThan(0);
  });

  it("starts with the sandbox when traffic is on", async () => {
    const live = await startSandbox({
      dataDir: null,
      startAt: START,
      world: small,
      traffic: { ratePerSecond: 50, tickMs: 20 },
    });
    try {
      await new Promise((r) => setTimeout(r, 400));
      expect(live.traffic?.running).toBe(true);
      expect(live.traffic?.stats.sent).toBeGreaterThan(5);
    } finally {
      await live.close();
    }
    expect(live.traffic?.running).toBe(false);
  });
});
