/**
 * The sync's usage pass and its memory bounds: the all-keys usage question pages in key-id order
 * and each page replaces exactly its slice of the key space; no page stays in the analytics
 * cache; a low budget keeps the stored figures (and their time) instead of spending the reserve;
 * the page size follows the row width; the page cache is capped while a sync runs. Expected
 * figures are read from the emulator's own tables.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAnalyticsGateway } from "../../analytics/gateway";
import { keyUsageQuery, KEY_USAGE_PAGE } from "../../analytics/queries";
import { BURN_WINDOW_MS } from "../../domain/directory";
import { sql } from "kysely";
import { depsFor, startSmallSandbox, type Sandbox } from "./test-support";
import {
  runFullSync,
  syncUsage,
  SYNC_PAGE_CACHE_KIB,
  usagePageRows,
  USAGE_RESPONSE_BYTES,
  type SyncDeps,
} from "./sync";

let sandbox: Sandbox;
beforeEach(async () => {
  sandbox = await startSmallSandbox({ customers: 40, historyDays: 14 });
});
afterEach(async () => {
  await sandbox.close();
});

const DAY = 86_400_000;

/** Credits each key spent in the trailing burn window, from the emulator's raw events. */
function spentWindow(now: number): Map<string, number> {
  const rows = sandbox.db
    .prepare(
      `SELECT key_id, sum(spent_credits) AS s FROM unkey_verifications
       WHERE time >= ? GROUP BY key_id`,
    )
    .all(now - BURN_WINDOW_MS) as { key_id: string; s: number }[];
  return new Map(rows.map((r) => [r.key_id, r.s]));
}

/** spent_24h per key as stored in the directory. */
async function stored(deps: SyncDeps): Promise<Map<string, number>> {
  const customers = await deps.repos.directory.list({
    sort: "name",
    dir: "asc",
    offset: 0,
    limit: 100_000,
  });
  const out = new Map<string, number>();
  for (const c of customers) {
    for (const k of await deps.repos.directory.keysOf(c.external_id)) {
      out.set(k.key_id, Number(k.spent_24h ?? 0));
    }
  }
  return out;
}

function expectMatches(got: Map<string, number>, want: Map<string, number>) {
  expect(got.size).toBeGreaterThan(0);
  for (const [keyId, spent] of got) expect(spent, keyId).toBe(want.get(keyId) ?? 0);
}

describe("usage pass of the full sync", () => {
  it("pages in key-id order; each page replaces its slice, keys with no events go to 0", async () => {
    const { deps, close } = await depsFor(sandbox);
    const first = await runFullSync(deps, { usagePageRows: 7 });
    expect(first.status).toBe("ok");
    const before = spentWindow(sandbox.clock.now());
    expect(before.size).toBeGreaterThan(14); // several pages of 7
    expectMatches(await stored(deps), before);

    // Forty days later with no traffic, no key has an event in its window or its period: the
    // usage question returns no row at all, and every stored figure must still drop to 0.
    sandbox.clock.advance(40 * DAY);
    const second = await runFullSync(deps, { usagePageRows: 7 });
    expect(second.status).toBe("ok");
    const after = spentWindow(sandbox.clock.now());
    expect(after.size).toBe(0);
    expectMatches(await stored(deps), after);
    await close();
  }, 60_000);

  it("keeps no all-keys page in the analytics cache once stored", async () => {
    const { deps, close } = await depsFor(sandbox);
    await runFullSync(deps, { usagePageRows: 7 });
    const probe = keyUsageQuery({
      windowStart: sandbox.clock.now() - BURN_WINDOW_MS,
      periodStarts: [],
      limit: 7,
      offset: 0,
    });
    for (const cacheKey of ["directory.keyUsage:all:p0:", "directory.keyUsage:all:p1:"]) {
      const r = await deps.analytics.query({
        cacheKey,
        sql: probe,
        ttlMs: 3_600_000,
        priority: "interactive",
      });
      expect(r.source, cacheKey).toBe("fresh");
    }
    await close();
  }, 60_000);

  it("with the analytics budget low, a background sync keeps the stored figures and their time", async () => {
    const { deps, close } = await depsFor(sandbox);
    await runFullSync(deps);
    const figures = await stored(deps);
    const asOf = (await deps.repos.syncRuns.lastOk())?.analytics_as_of;
    expect(asOf).toBeTypeOf("number");

    sandbox.clock.advance(DAY + 3_600_000);
    const starved: SyncDeps = {
      ...deps,
      analytics: createAnalyticsGateway({
        run: (sql) => deps.upstream.unkey.getVerifications(sql),
        now: deps.now,
        budget: { perHour: 10, reserve: 10 },
      }),
    };
    const r = await runFullSync(starved);
    expect(r.status).toBe("ok");
    expect(starved.analytics.usage().used).toBe(0);
    expect(await stored(deps)).toEqual(figures);
    expect((await deps.repos.syncRuns.lastOk())?.analytics_as_of).toBe(asOf);
    await close();
  }, 60_000);

  it("a budget that runs low between pages stops there: later keys keep their previous figures", async () => {
    const { deps, close } = await depsFor(sandbox);
    await runFullSync(deps, { usagePageRows: 7 });
    const figures = await stored(deps);
    const asOf = (await deps.repos.syncRuns.lastOk())?.analytics_as_of;

    sandbox.clock.advance(DAY + 3_600_000);
    // One query left above the reserve: page 0 is fetched, then the pass stops.
    const tight: SyncDeps = {
      ...deps,
      analytics: createAnalyticsGateway({
        run: (sql) => deps.upstream.unkey.getVerifications(sql),
        now: deps.now,
        budget: { perHour: 11, reserve: 10 },
      }),
    };
    const r = await runFullSync(tight, { usagePageRows: 7 });
    expect(r.status).toBe("ok");
    expect(tight.analytics.usage().used).toBe(1);

    // Page 0 = the first 7 keys (by id) with events since the oldest period start it asked about.
    const now = sandbox.clock.now();
    const starts = await deps.repos.directory.periodStarts();
    const since = Math.min(now - BURN_WINDOW_MS, ...starts);
    const page0 = (
      sandbox.db
        .prepare(
          `SELECT DISTINCT key_id FROM unkey_verifications WHERE time >= ?
           ORDER BY key_id LIMIT 7`,
        )
        .all(since) as { key_id: string }[]
    ).map((k) => k.key_id);
    expect(page0).toHaveLength(7);
    const boundary = page0.at(-1)!;
    const got = await stored(deps);
    let kept = 0;
    let refreshed = 0;
    for (const [keyId, spent] of got) {
      if (keyId <= boundary) {
        expect(spent, keyId).toBe(0); // fresh: nothing in the last 24 h
        if ((figures.get(keyId) ?? 0) > 0) refreshed++;
      } else {
        expect(spent, keyId).toBe(figures.get(keyId));
        if (spent > 0) kept++;
      }
    }
    expect(kept).toBeGreaterThan(0);
    expect(refreshed).toBeGreaterThan(0);
    // Mixed figures: labelled with the older time.
    expect((await deps.repos.syncRuns.lastOk())?.analytics_as_of).toBe(asOf);
    await close();
  }, 60_000);
});

describe("usage of one customer", () => {
  it("pages too when the customer has more keys than a page (each page its own cache entry)", async () => {
    const { deps, close } = await depsFor(sandbox);
    await runFullSync(deps);
    const now = sandbox.clock.now();
    const busiest = sandbox.db
      .prepare(
        `SELECT external_id, count(DISTINCT key_id) AS n FROM unkey_verifications
         WHERE time >= ? AND external_id <> '' GROUP BY external_id ORDER BY n DESC LIMIT 1`,
      )
      .get(now - BURN_WINDOW_MS) as { external_id: string; n: number };
    expect(busiest.n).toBeGreaterThanOrEqual(2);
    // Zero the customer's figures, then page through its keys one at a time.
    await deps.repos.directory.applyUsage([], {
      owner: busiest.external_id,
      after: null,
      upTo: null,
    });
    await syncUsage(deps, {
      owner: busiest.external_id,
      externalId: busiest.external_id,
      priority: "interactive",
      pageRows: 1,
    });
    const want = spentWindow(now);
    const keys = await deps.repos.directory.keysOf(busiest.external_id);
    expect(keys.filter((k) => Number(k.spent_24h) > 0).length).toBe(busiest.n);
    for (const k of keys) expect(Number(k.spent_24h), k.key_id).toBe(want.get(k.key_id) ?? 0);
    await close();
  }, 60_000);
});

describe("memory bounds of the sync", () => {
  it("sizes usage pages to the row width, within Unkey's 4 MiB response limit", () => {
    expect(usagePageRows(0)).toBe(KEY_USAGE_PAGE);
    for (const starts of [5, 29, 31, 60]) {
      const rows = usagePageRows(starts);
      expect(rows).toBeLessThanOrEqual(KEY_USAGE_PAGE);
      // A generous per-row size: key id + `"p1793145600000":1234567,` per column.
      expect(rows * (60 + 26 * (starts + 2))).toBeLessThanOrEqual(4 * 1024 * 1024);
    }
    // …and not needlessly small: ~30 columns still fit several thousand rows.
    expect(usagePageRows(29)).toBeGreaterThan(USAGE_RESPONSE_BYTES / 1024);
  });

  it("caps SQLite's page cache while a full sync runs and restores it after", async () => {
    const { deps, store, close } = await depsFor(sandbox);
    const cacheSize = async () =>
      Number(
        (await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(store.db)).rows[0]
          ?.cache_size,
      );
    const seen: number[] = [];
    const progress = deps.repos.syncRuns.progress;
    const watched: SyncDeps = {
      ...deps,
      repos: {
        ...deps.repos,
        syncRuns: {
          ...deps.repos.syncRuns,
          progress: async (...args: Parameters<typeof progress>) => {
            seen.push(await cacheSize());
            return progress(...args);
          },
        },
      },
    };
    const before = await cacheSize();
    expect(before).toBeLessThan(-SYNC_PAGE_CACHE_KIB); // better-sqlite3's default is bigger
    const r = await runFullSync(watched);
    expect(r.status).toBe("ok");
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([-SYNC_PAGE_CACHE_KIB]));
    expect(await cacheSize()).toBe(before);
    await close();
  }, 60_000);
});
