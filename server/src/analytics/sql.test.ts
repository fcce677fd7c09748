import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../sandbox/index";
import { createUpstream } from "../upstream/index";
import { keyUsageQuery } from "./queries";
import { AnalyticsSqlError, alias, chSql, column, int, list, str, table } from "./sql";

describe("analytics SQL builder", () => {
  it("escapes quotes, backslashes and control characters in string literals", () => {
    expect(str("x' OR 1=1 --").text).toBe(String.raw`'x\' OR 1=1 --'`);
    expect(str(String.raw`a\'b`).text).toBe(String.raw`'a\\\'b'`);
    expect(str("a\nb\0").text).toBe(String.raw`'a\nb\0'`);
  });

  it("refuses raw values, non-integers and unknown identifiers", () => {
    const hostile = "1; DROP TABLE x" as unknown as ReturnType<typeof int>;
    expect(() => chSql`SELECT ${hostile}`).toThrow(AnalyticsSqlError);
    expect(() => int(1.5)).toThrow(AnalyticsSqlError);
    expect(() => int(Number.NaN)).toThrow(AnalyticsSqlError);
    expect(() => table("system.tables" as "key_verifications_v1")).toThrow(AnalyticsSqlError);
    expect(() => column("1=1" as "time")).toThrow(AnalyticsSqlError);
    expect(() => alias("a b")).toThrow(AnalyticsSqlError);
    expect(() => list([])).toThrow(AnalyticsSqlError);
  });

  it("builds the key-usage query with explicit ms literals", () => {
    const q = keyUsageQuery({
      windowStart: 1_795_766_442_688,
      periodStarts: [1_795_700_000_000],
      externalId: "acme-corp",
      limit: 10,
      offset: 20,
    }).text;
    expect(q).toContain("time >= 1795700000000");
    expect(q).toContain("sumIf(spent_credits, time >= 1795766442688) AS spent_window");
    expect(q).toContain("AS p1795700000000");
    expect(q).toContain("external_id = 'acme-corp'");
    expect(q).toMatch(/GROUP BY key_id ORDER BY key_id LIMIT 10 OFFSET 20$/);
    expect(q).not.toMatch(/now\(\)|INTERVAL/);
  });
});

describe("hostile input against the analytics emulator", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  beforeAll(async () => {
    sandbox = await startSandbox({
      dataDir: null,
      world: { customers: 40, historyDays: 14 },
      traffic: false,
      unkeyPort: 0,
      stripePort: 0,
    });
  });
  afterAll(() => sandbox.close());

  it("an externalId of x' OR 1=1 -- matches nothing instead of everything", async () => {
    const upstream = createUpstream(
      {
        unkey: {
          rootKey: sandbox.credentials.unkeyRootKey,
          apiId: sandbox.credentials.unkeyApiId,
          baseUrl: sandbox.unkeyUrl,
        },
        stripe: { secretKey: sandbox.credentials.stripeSecretKey, baseUrl: sandbox.stripeUrl },
      },
      { readRetryBudgetMs: 0 },
    );
    const base = { windowStart: 0, periodStarts: [], limit: 1000, offset: 0 };
    const all = await upstream.unkey.getVerifications(keyUsageQuery(base).text);
    expect(all.length).toBeGreaterThan(0);
    for (const hostile of ["x' OR 1=1 --", "x\\' OR 1=1 --", "acme-corp' OR '1'='1"]) {
      const rows = await upstream.unkey.getVerifications(
        keyUsageQuery({ ...base, externalId: hostile }).text,
      );
      expect(rows, hostile).toEqual([]);
    }
    const acme = await upstream.unkey.getVerifications(
      keyUsageQuery({ ...base, externalId: "acme-corp" }).text,
    );
    expect(acme.length).toBe(2);
  });
});
