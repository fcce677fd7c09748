/**
 * Directory sync against the sandbox emulators through the real SDKs. Expected values are read
 * independently from the emulators' own tables, not from anything the sync computed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppDeps } from "../../context";
import { depsFor, fastRetry, startSmallSandbox, type Sandbox } from "./test-support";
import { runFullSync } from "./sync";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSmallSandbox({ customers: 40, historyDays: 14 });
});
afterAll(async () => {
  await sandbox.close();
});

interface EmulatorKey {
  id: string;
  identity_external_id: string | null;
  remaining: number | null;
  refill_amount: number | null;
  start: string;
}

/** Ground truth straight from the emulators' tables. */
function truth() {
  const identities = sandbox.db
    .prepare("SELECT id, external_id, meta FROM unkey_identities ORDER BY external_id")
    .all() as { id: string; external_id: string; meta: string }[];
  const keys = sandbox.db
    .prepare(
      `SELECT k.id, i.external_id AS identity_external_id, k.remaining, k.refill_amount, k.start
       FROM unkey_keys k LEFT JOIN unkey_identities i ON i.id = k.identity_id
       WHERE k.deleted_at IS NULL AND k.api_id = ?`,
    )
    .all(sandbox.credentials.unkeyApiId) as EmulatorKey[];
  const stripeCustomers = sandbox.db
    .prepare("SELECT id, data FROM stripe_objects WHERE type = 'customer'")
    .all() as { id: string; data: string }[];
  return { identities, keys, stripeCustomers };
}

async function directoryState(deps: AppDeps) {
  const rows = await deps.repos.directory.list({
    sort: "name",
    dir: "asc",
    offset: 0,
    limit: 100_000,
  });
  const keys = new Map<string, Awaited<ReturnType<typeof deps.repos.directory.keysOf>>[number]>();
  for (const r of rows)
    for (const k of await deps.repos.directory.keysOf(r.external_id)) keys.set(k.key_id, k);
  return { rows, keys };
}

function expectExact(t: ReturnType<typeof truth>, s: Awaited<ReturnType<typeof directoryState>>) {
  const byExt = new Map(s.rows.map((r) => [r.external_id, r]));
  // Every identity, once, as a customer row.
  for (const i of t.identities) {
    const row = byExt.get(i.external_id);
    expect(row, i.external_id).toBeDefined();
    expect(row?.kind).toBe("customer");
    expect(row?.identity_id).toBe(i.id);
  }
  // Every key present with its balance and owner.
  expect(s.keys.size).toBe(t.keys.length);
  for (const k of t.keys) {
    const got = s.keys.get(k.id);
    expect(got, k.id).toBeDefined();
    expect(got?.remaining === null ? null : Number(got?.remaining)).toBe(k.remaining);
    expect(got?.external_id).toBe(k.identity_external_id);
  }
  // Per-customer totals equal sums over the emulator's keys.
  for (const i of t.identities) {
    const mine = t.keys.filter((k) => k.identity_external_id === i.external_id);
    const row = byExt.get(i.external_id)!;
    expect(row.key_count).toBe(mine.length);
    const unlimited = mine.some((k) => k.remaining === null);
    const expected =
      mine.length === 0
        ? null
        : unlimited
          ? null
          : mine.reduce((a, k) => a + (k.remaining ?? 0), 0);
    expect(row.credits_remaining === null ? null : Number(row.credits_remaining)).toBe(expected);
  }
  // Orphans: every key with no identity has its own row, every unclaimed Stripe customer too.
  for (const k of t.keys.filter((x) => x.identity_external_id === null)) {
    const row = byExt.get(`key:${k.id}`);
    expect(row?.kind).toBe("unassigned_key");
    expect(JSON.parse(row!.flags)).toEqual(["no_identity"]);
  }
  const claimed = new Set(
    s.rows.filter((r) => r.kind === "customer").map((r) => r.stripe_customer_id),
  );
  for (const c of t.stripeCustomers) {
    if (claimed.has(c.id)) continue;
    const row = byExt.get(`stripe:${c.id}`);
    expect(row?.kind, c.id).toBe("stripe_only");
  }
  const expectedRows =
    t.identities.length +
    t.keys.filter((k) => k.identity_external_id === null).length +
    t.stripeCustomers.filter((c) => !claimed.has(c.id)).length;
  expect(s.rows.length).toBe(expectedRows);
}

describe("full directory sync", () => {
  it("matches Unkey and Stripe exactly, with orphans marked", async () => {
    const { deps, close } = await depsFor(sandbox);
    const result = await runFullSync(deps);
    expect(result.status).toBe("ok");
    const t = truth();
    const s = await directoryState(deps);
    expectExact(t, s);

    // The world's deliberate anomalies, each visible and marked.
    const anomalies = sandbox.db
      .prepare(
        "SELECT external_id, anomaly, stripe_customer_id FROM sandbox_world_customers WHERE anomaly IS NOT NULL",
      )
      .all() as {
      external_id: string | null;
      anomaly: string;
      stripe_customer_id: string | null;
    }[];
    expect(anomalies.length).toBeGreaterThan(0);
    const byExt = new Map(s.rows.map((r) => [r.external_id, r]));
    for (const a of anomalies) {
      if (a.anomaly === "identity_without_keys") {
        expect(JSON.parse(byExt.get(a.external_id!)!.flags)).toContain("no_keys");
        expect(byExt.get(a.external_id!)!.status).toBe("no_keys");
      } else if (a.anomaly === "identity_without_stripe") {
        expect(JSON.parse(byExt.get(a.external_id!)!.flags)).toContain("no_stripe");
      } else if (a.anomaly === "stripe_without_identity") {
        expect(byExt.get(`stripe:${a.stripe_customer_id}`)?.kind).toBe("stripe_only");
      }
    }
    // Stripe join: identities with the id in meta match by meta; subscriptions copied.
    const acme = byExt.get("acme-corp")!;
    expect(acme).toMatchObject({
      stripe_match: "meta",
      subscription_status: "active",
      plan: "growth",
    });
    expect(byExt.get("globex")?.status).toBe("exhausted");

    // Overage: the world's "overage" customers spent beyond their allowance this period.
    const overage = sandbox.db
      .prepare("SELECT external_id FROM sandbox_world_customers WHERE status = 'overage'")
      .all() as { external_id: string }[];
    for (const o of overage) expect(byExt.get(o.external_id)?.in_overage, o.external_id).toBe(1);
    const notOverage = s.rows.filter(
      (r) => r.in_overage === 1 && !overage.some((o) => o.external_id === r.external_id),
    );
    expect(notOverage.map((r) => r.external_id)).toEqual([]);
    await close();
  }, 60_000);

  it("computes burn from spent_credits over 24 h, identical to a sum over the emulator's events", async () => {
    const { deps, close } = await depsFor(sandbox);
    await runFullSync(deps);
    const now = sandbox.clock.now();
    const spent = sandbox.db
      .prepare(
        `SELECT external_id, sum(spent_credits) AS s FROM unkey_verifications
         WHERE time >= ? AND external_id <> '' GROUP BY external_id`,
      )
      .all(now - 86_400_000) as { external_id: string; s: number }[];
    expect(spent.length).toBeGreaterThan(0);
    for (const r of spent) {
      const row = await deps.repos.directory.byExternalId(r.external_id);
      if (!row) continue;
      // The sync read the clock a moment earlier: allow the events of that moment.
      expect(row.burn_per_hour).toBeCloseTo(r.s / 24, 0);
    }
    await close();
  }, 60_000);

  it("survives a 429 storm: honours Retry-After and completes exactly", async () => {
    const { deps, close } = await depsFor(sandbox);
    sandbox.faults.unkey.add({
      endpoint: "apis.listKeys",
      kind: "status",
      status: 429,
      retryAfter: 1,
      times: 3,
    });
    const t0 = Date.now();
    const result = await runFullSync(deps);
    const elapsed = Date.now() - t0;
    expect(result.status).toBe("ok");
    // Three 429s with Retry-After: 1 s each: the sync waited at least that.
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expectExact(truth(), await directoryState(deps));
    await close();
  }, 60_000);

  it("a dropped connection mid-sync fails the run; the next run resumes from its checkpoint", async () => {
    const { deps, close } = await depsFor(sandbox);
    const cursors: (string | undefined)[] = [];
    let dropped = false;
    const listKeys = deps.upstream.unkey.listKeys.bind(deps.upstream.unkey);
    deps.upstream.unkey.listKeys = (p) => {
      cursors.push(p.cursor);
      // Two pages get through; then the connection drops on every request.
      if (cursors.length === 3 && !dropped) {
        dropped = true;
        sandbox.faults.unkey.add({ endpoint: "apis.listKeys", kind: "drop", times: 50 });
      }
      return listKeys(p);
    };
    const quickFail = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 5, maxRetryAfterMs: 10 };
    const first = await runFullSync(deps, { pageSize: 20, retry: quickFail });
    expect(first.status).toBe("failed");
    const failed = await deps.repos.syncRuns.byId(first.runId);
    expect(failed?.phase).toBe("keys");
    const checkpoint = JSON.parse(failed!.checkpoint) as {
      completed: string[];
      cursors: Record<string, string>;
    };
    expect(checkpoint.completed).toEqual(["identities"]);
    expect(checkpoint.cursors.keys).toBeTruthy();
    expect((await deps.directory.status()).lastResult).toBe("failed");

    sandbox.faults.unkey.clear();
    cursors.length = 0;
    const second = await runFullSync(deps, { pageSize: 20, retry: fastRetry });
    expect(second).toMatchObject({ status: "ok", resumed: true, runId: first.runId });
    // It picked up at the checkpoint: identities were not listed again, keys from the cursor.
    expect(cursors[0]).toBe(checkpoint.cursors.keys);
    expectExact(truth(), await directoryState(deps));
    expect((await deps.directory.status()).lastResult).toBe("ok");
    await close();
  }, 60_000);
});
