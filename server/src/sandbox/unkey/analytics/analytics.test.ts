/**
 * analytics.getVerifications over stored verifications: every answer is compared with totals
 * computed independently from `verifications()`.
 */
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { SandboxClock } from "../../core/clock";
import type { VerificationRow } from "../../core/contracts";
import { UnkeyEmulator } from "../emulator";
import { parseQuery } from "./parser";

const NOW = Date.parse("2026-02-20T12:34:56.789Z");
const HOUR = 3_600_000;
const DAY = 86_400_000;
const outcomes: VerificationRow["outcome"][] = [
  "VALID",
  "VALID",
  "VALID",
  "RATE_LIMITED",
  "USAGE_EXCEEDED",
  "DISABLED",
];

function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

let emulator: UnkeyEmulator;
let rows: VerificationRow[];
const externalOf = new Map<string, string>();

async function query(sql: string) {
  const res = await emulator.call("analytics.getVerifications", { query: sql });
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { data: Record<string, unknown>[] }).data;
}

async function queryError(sql: string) {
  const res = await emulator.call("analytics.getVerifications", { query: sql });
  return { status: res.status, error: (res.body as any).error as { type: string; detail: string } };
}

function tally<T>(items: T[], key: (t: T) => string, value: (t: T) => number = () => 1) {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + value(i));
  return m;
}

beforeAll(async () => {
  const clock = new SandboxClock();
  clock.freeze(NOW);
  emulator = new UnkeyEmulator({ db: new Database(":memory:"), clock, queriesPerHour: 1_000_000 });
  const keyIds: string[] = [];
  for (let c = 0; c < 6; c++) {
    for (let k = 0; k < 2; k++) {
      const ext = c === 5 ? undefined : `cust-${c}`;
      const res = await emulator.call("keys.createKey", {
        apiId: emulator.apiId,
        ...(ext ? { externalId: ext } : {}),
      });
      const keyId = (res.body as any).data.keyId as string;
      keyIds.push(keyId);
      externalOf.set(keyId, ext ?? "");
    }
  }
  const rand = prng(42);
  const start = Date.parse("2026-01-05T00:00:00Z");
  const generated: VerificationRow[] = [];
  for (let i = 0; i < 20_000; i++) {
    const outcome = outcomes[Math.floor(rand() * outcomes.length)]!;
    generated.push({
      time: start + Math.floor(rand() * (NOW - start)),
      keyId: keyIds[Math.floor(rand() * keyIds.length)]!,
      outcome,
      tags: rand() < 0.3 ? ["path=/v1/a", "plan=growth"] : rand() < 0.5 ? ["path=/v1/b"] : [],
      spentCredits: outcome === "VALID" ? 1 + Math.floor(rand() * 3) : 0,
      region: "local",
    });
  }
  expect(emulator.insertVerifications(generated)).toBe(20_000);
  rows = emulator.verifications();
  expect(rows).toHaveLength(20_000);
});

describe("analytics totals match the stored verifications", () => {
  it("counts per outcome per hour bucket (raw table and per-hour rollup agree)", async () => {
    const from = Date.parse("2026-02-01T00:00:00Z");
    const to = Date.parse("2026-02-08T00:00:00Z");
    const expected = tally(
      rows.filter((r) => r.time >= from && r.time < to),
      (r) => `${Math.floor(r.time / HOUR) * HOUR}|${r.outcome}`,
    );
    const raw = await query(`
      SELECT toStartOfHour(fromUnixTimestamp64Milli(time)) AS hour, outcome, count() AS n
      FROM key_verifications_v1
      WHERE time >= ${from} AND time < ${to}
      GROUP BY hour, outcome ORDER BY hour, outcome`);
    const rollup = await query(`
      SELECT time, outcome, sum(count) AS n FROM key_verifications_per_hour_v1
      WHERE time >= toDateTime('2026-02-01 00:00:00') AND time < toDateTime('2026-02-08')
      GROUP BY time, outcome ORDER BY time ASC, outcome ASC`);
    const asMap = (data: Record<string, unknown>[], t: string) =>
      new Map(data.map((r) => [`${r[t]}|${r.outcome}`, r.n]));
    expect(asMap(raw, "hour")).toEqual(expected);
    expect(asMap(rollup, "time")).toEqual(expected);
    expect(typeof raw[0]!.hour).toBe("number");
    expect(raw.length).toBe(expected.size);
  });

  it("spent credits and counts per external_id over a month (raw, per-day, per-month)", async () => {
    const from = Date.parse("2026-01-01T00:00:00Z");
    const to = Date.parse("2026-02-01T00:00:00Z");
    const inMonth = rows.filter((r) => r.time >= from && r.time < to);
    const spent = tally(
      inMonth,
      (r) => externalOf.get(r.keyId)!,
      (r) => r.spentCredits,
    );
    const counts = tally(inMonth, (r) => externalOf.get(r.keyId)!);
    const toMaps = (data: Record<string, unknown>[]) => ({
      spent: new Map(data.map((r) => [r.external_id as string, r.spent])),
      total: new Map(data.map((r) => [r.external_id as string, r.total])),
    });
    for (const sql of [
      `SELECT external_id, sum(spent_credits) AS spent, count(*) AS total FROM key_verifications_v1
        WHERE fromUnixTimestamp64Milli(time) >= toDateTime('2026-01-01') AND fromUnixTimestamp64Milli(time) < toDateTime('2026-02-01')
        GROUP BY external_id ORDER BY external_id`,
      `SELECT external_id, sum(spent_credits) AS spent, sum(count) AS total FROM key_verifications_per_day_v1
        WHERE time BETWEEN toDate('2026-01-01') AND toDate('2026-01-31') GROUP BY external_id ORDER BY spent DESC`,
      `SELECT external_id, sum(spent_credits) AS spent, sum(count) AS total FROM key_verifications_per_month_v1
        WHERE time = toStartOfMonth(toDate('2026-01-17')) GROUP BY external_id`,
    ]) {
      const got = toMaps(await query(sql));
      expect(got.spent, sql).toEqual(spent);
      expect(got.total, sql).toEqual(counts);
    }
  });

  it("filters with IN, NOT, OR, has/hasAny/hasAll, countIf/sumIf/uniq and time arithmetic", async () => {
    const since = Math.floor(NOW / 1000) * 1000 - 7 * DAY;
    const recent = rows.filter((r) => r.time >= since);
    const [row] = await query(`
      SELECT count() AS total,
             countIf(outcome = 'VALID') AS valid,
             sumIf(spent_credits, has(tags, 'plan=growth')) AS growthSpent,
             uniq(key_id) AS keys,
             countIf(hasAny(tags, ['path=/v1/b', 'nope'])) AS pathB,
             countIf(hasAll(tags, ['path=/v1/a', 'plan=growth'])) AS both
      FROM key_verifications_v1
      WHERE fromUnixTimestamp64Milli(time) >= now() - INTERVAL 7 DAY`);
    expect(row).toEqual({
      total: recent.length,
      valid: recent.filter((r) => r.outcome === "VALID").length,
      growthSpent: recent
        .filter((r) => r.tags.includes("plan=growth"))
        .reduce((s, r) => s + r.spentCredits, 0),
      keys: new Set(recent.map((r) => r.keyId)).size,
      pathB: recent.filter((r) => r.tags.includes("path=/v1/b")).length,
      both: recent.filter((r) => r.tags.includes("path=/v1/a")).length,
    });
    const [other] = await query(`
      SELECT count() AS n FROM key_verifications_v1
      WHERE outcome IN ('RATE_LIMITED', 'USAGE_EXCEEDED') AND NOT (external_id = 'cust-1' OR external_id = '')
        AND time >= toUnixTimestamp64Milli(now64(3) - toIntervalDay(14))`);
    const sinceMs = NOW - 14 * DAY;
    expect(other!.n).toBe(
      rows.filter(
        (r) =>
          ["RATE_LIMITED", "USAGE_EXCEEDED"].includes(r.outcome) &&
          !["cust-1", ""].includes(externalOf.get(r.keyId)!) &&
          r.time >= sinceMs,
      ).length,
    );
  });

  it("follows ClickHouse when an Int64 millisecond time is compared with a DateTime (seconds)", async () => {
    // `time` on the raw table is Int64 ms; ClickHouse compares it with now()'s seconds value, so
    // this (wrong) filter keeps every row in production, and therefore in the sandbox too.
    const [row] = await query(
      "SELECT count() AS n FROM key_verifications_v1 WHERE time >= now() - INTERVAL 7 DAY",
    );
    expect(row!.n).toBe(rows.length);
  });

  it("supports ORDER BY, LIMIT/OFFSET, aliases, DISTINCT, HAVING, CTEs and subqueries", async () => {
    const perKey = [...tally(rows, (r) => r.keyId)].sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    );
    const top = await query(
      "SELECT key_id, count() AS n FROM key_verifications_v1 GROUP BY key_id ORDER BY n DESC, key_id LIMIT 3 OFFSET 1",
    );
    expect(top.map((r) => [r.key_id, r.n])).toEqual(perKey.slice(1, 4));
    const distinct = await query(
      "SELECT DISTINCT outcome FROM key_verifications_v1 ORDER BY outcome",
    );
    expect(distinct.map((r) => r.outcome)).toEqual([...new Set(rows.map((r) => r.outcome))].sort());
    const having = await query(
      "SELECT key_id, count() AS n FROM key_verifications_v1 GROUP BY key_id HAVING n > 1700 ORDER BY key_id",
    );
    expect(having.map((r) => r.key_id)).toEqual(
      perKey
        .filter(([, n]) => n > 1700)
        .map(([k]) => k)
        .sort(),
    );
    const cte = await query(`
      WITH per_key AS (SELECT key_id, count() AS n FROM key_verifications_v1 GROUP BY key_id)
      SELECT max(n) AS most, sum(n) AS total FROM per_key`);
    expect(cte).toEqual([{ most: perKey[0]![1], total: rows.length }]);
    const sub = await query(
      "SELECT count() AS n FROM (SELECT key_id FROM key_verifications_v1 WHERE outcome = 'VALID' GROUP BY key_id)",
    );
    expect(sub).toEqual([
      { n: new Set(rows.filter((r) => r.outcome === "VALID").map((r) => r.keyId)).size },
    ]);
  });

  it("returns ClickHouse-style default column names and JSON types", async () => {
    const [row] = await query(
      "SELECT COUNT(*), sum(spent_credits), max(time), avg(spent_credits) FROM key_verifications_v1",
    );
    expect(Object.keys(row!)).toEqual([
      "count()",
      "sum(spent_credits)",
      "max(time)",
      "avg(spent_credits)",
    ]);
    expect(row!["count()"]).toBe(rows.length);
    expect(row!["max(time)"]).toBe(Math.max(...rows.map((r) => r.time)));
    const [day] = await query(
      "SELECT time, tags FROM key_verifications_per_day_v1 ORDER BY time LIMIT 1",
    );
    expect(day!.time).toBe(Date.parse("2026-01-05T00:00:00Z"));
    expect(Array.isArray(day!.tags)).toBe(true);
  });
});

describe("analytics rules", () => {
  it("rejects statements, tables and functions outside Unkey's allow-lists", async () => {
    expect((await queryError("DROP TABLE key_verifications_v1")).error.type).toMatch(
      /invalid_analytics_query_type$/,
    );
    expect((await queryError("SELECT count() FROM information_schema.tables")).error.type).toMatch(
      /invalid_analytics_table$/,
    );
    expect(
      (await queryError("SELECT count() FROM (SELECT * FROM system.parts)")).error.type,
    ).toMatch(/invalid_analytics_table$/);
    expect(
      (await queryError("SELECT toUnixTimestamp(now()) AS t FROM key_verifications_v1")).error
        .detail,
    ).toBe("Function 'tounixtimestamp' is not allowed");
    expect((await queryError("SELECT count() FROM numbers(10)")).error.type).toMatch(
      /invalid_analytics_function$/,
    );
    expect((await queryError("SELECT sleep(3) FROM key_verifications_v1")).error.type).toMatch(
      /invalid_analytics_function$/,
    );
  });

  it("says so for allowed constructs outside the sandbox subset", async () => {
    for (const sql of [
      "SELECT quantile(0.9)(spent_credits) FROM key_verifications_v1",
      "SELECT key_id, count() OVER (PARTITION BY key_id) FROM key_verifications_v1",
      "SELECT arrayJoin(tags) AS tag, count() FROM key_verifications_v1 GROUP BY tag",
      "SELECT count() FROM key_verifications_v1 a JOIN key_verifications_per_day_v1 b ON a.key_id = b.key_id",
    ]) {
      const { status, error } = await queryError(sql);
      expect(status, sql).toBe(400);
      expect(error.detail, sql).toContain("not supported by the sandbox");
    }
  });

  it("rejects what ClickHouse rejects", async () => {
    expect(
      (await queryError("SELECT key_id, count() FROM key_verifications_v1")).error.detail,
    ).toContain("not under aggregate function");
    expect(
      (await queryError("SELECT toStartOfHour(time) FROM key_verifications_v1")).error.detail,
    ).toContain("Illegal type Int64");
    expect(
      (await queryError("SELECT count() FROM key_verifications_v1 WHERE count() > 1")).status,
    ).toBe(400);
  });

  it("parses into an AST (not string matching)", () => {
    const ast = parseQuery(
      "select a.x as y, count() from key_verifications_v1 as a where not x between 1 and 2 group by 1 order by y desc limit 5",
    );
    expect(ast.body.items[0]).toEqual({
      expr: { kind: "column", qualifier: "a", name: "x" },
      alias: "y",
    });
    expect(ast.body.where).toMatchObject({
      kind: "unary",
      op: "NOT",
      operand: { kind: "between", negated: false },
    });
    expect(ast.body.orderBy).toEqual([{ expr: { kind: "column", name: "y" }, desc: true }]);
    expect(ast.body.limit).toMatchObject({ kind: "number", value: 5 });
  });
});

describe("scale", () => {
  it("bulk-loads a million verifications in seconds and answers a month GROUP BY external_id fast", async () => {
    const clock = new SandboxClock();
    clock.freeze(NOW);
    const big = new UnkeyEmulator({ db: new Database(":memory:"), clock });
    const keyIds: string[] = [];
    for (let i = 0; i < 300; i++) {
      const res = await big.call("keys.createKey", { apiId: big.apiId, externalId: `c${i % 150}` });
      keyIds.push((res.body as any).data.keyId);
    }
    const rand = prng(7);
    const start = NOW - 90 * DAY;
    function* gen(): Generator<VerificationRow> {
      for (let i = 0; i < 1_000_000; i++) {
        yield {
          time: start + Math.floor((i / 1_000_000) * 90 * DAY),
          keyId: keyIds[Math.floor(rand() * keyIds.length)]!,
          outcome: rand() < 0.9 ? "VALID" : "USAGE_EXCEEDED",
          tags: [],
          spentCredits: 1,
        };
      }
    }
    let t0 = performance.now();
    expect(big.insertVerifications(gen())).toBe(1_000_000);
    const insertMs = performance.now() - t0;
    t0 = performance.now();
    const res = await big.call("analytics.getVerifications", {
      query: `SELECT external_id, count() AS n, sum(spent_credits) AS spent FROM key_verifications_v1
        WHERE time >= ${NOW - 30 * DAY} GROUP BY external_id ORDER BY n DESC`,
    });
    const rawMs = performance.now() - t0;
    t0 = performance.now();
    const res2 = await big.call("analytics.getVerifications", {
      query: `SELECT external_id, sum(count) AS n FROM key_verifications_per_day_v1
        WHERE time >= today() - INTERVAL 30 DAY GROUP BY external_id`,
    });
    const dayMs = performance.now() - t0;
    console.log(
      `[unkey analytics] insert 1M: ${insertMs.toFixed(0)} ms; month GROUP BY external_id raw: ${rawMs.toFixed(0)} ms, per_day: ${dayMs.toFixed(0)} ms`,
    );
    expect((res.body as any).data).toHaveLength(150);
    expect((res2.body as any).data).toHaveLength(150);
    expect(insertMs).toBeLessThan(10_000);
    expect(rawMs).toBeLessThan(1_000);
    expect(dayMs).toBeLessThan(500);
  }, 60_000);
});
