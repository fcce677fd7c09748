import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  defaultPlanCatalogPath,
  loadPlanCatalog,
  parsePlanCatalog,
  PlanCatalogError,
} from "./catalog";

type RawCatalog = { meter: Record<string, unknown>; plans: Record<string, unknown>[] };

/** A fresh copy of the shipped file, so every mutation test starts from what operators have. */
function rawCatalog(): RawCatalog {
  return JSON.parse(readFileSync(defaultPlanCatalogPath, "utf8")) as RawCatalog;
}

function problemsOf(json: unknown): string[] {
  try {
    parsePlanCatalog(json);
  } catch (err) {
    expect(err).toBeInstanceOf(PlanCatalogError);
    return (err as PlanCatalogError).problems;
  }
  throw new Error("expected the catalog to be rejected");
}

describe("plan catalog", () => {
  it("loads the shipped config/plans.json with the three plans", () => {
    const catalog = loadPlanCatalog();
    expect(catalog.meter).toEqual({
      eventName: "api_overage_credits",
      displayName: "API overage credits",
      customerPayloadKey: "stripe_customer_id",
      valuePayloadKey: "value",
    });
    const [starter, growth, scale] = catalog.plans;
    expect(catalog.plans.map((p) => p.id)).toEqual(["starter", "growth", "scale"]);
    expect(starter).toMatchObject({
      credits: 1000,
      refill: { interval: "daily" },
      basePrice: { currency: "usd", unitAmount: 4900 },
      overageUnitPrice: "0.2",
      pools: [
        { name: "requests", limit: 10, durationMs: 1000, autoApply: true, scope: "identity" },
      ],
    });
    expect(growth).toMatchObject({
      credits: 100_000,
      refill: { interval: "monthly", dayPolicy: "subscription_anchor" },
      basePrice: { unitAmount: 49_900 },
      overageUnitPrice: "0.15",
      pools: [
        { name: "requests", limit: 50, durationMs: 1000, autoApply: true, scope: "identity" },
        { name: "burst", limit: 300, durationMs: 10_000, autoApply: true, scope: "key" },
      ],
    });
    expect(scale).toMatchObject({
      credits: 1_000_000,
      refill: { interval: "monthly", dayPolicy: "fixed", day: 1 },
      basePrice: { unitAmount: 249_900 },
      overageUnitPrice: "0.1",
      pools: [
        { name: "requests", limit: 200, durationMs: 1000, autoApply: true, scope: "identity" },
        { name: "heavy", limit: 1000, durationMs: 60_000, autoApply: false, scope: "identity" },
      ],
    });
  });

  it("names the bad field: refill day out of range", () => {
    const raw = rawCatalog();
    (raw.plans[2] as { refill: Record<string, unknown> }).refill.day = 32;
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^plans\[2\]\.refill\.day: /)]);
  });

  it("names the bad field: monthly refill without a day policy", () => {
    const raw = rawCatalog();
    raw.plans[1]!.refill = { interval: "monthly" };
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^plans\[1\]\.refill\.dayPolicy: monthly refills need/),
    ]);
  });

  it("names the bad field: fixed day policy without a day, daily with a day", () => {
    const raw = rawCatalog();
    raw.plans[2]!.refill = { interval: "monthly", dayPolicy: "fixed" };
    raw.plans[0]!.refill = { interval: "daily", day: 3 };
    const problems = problemsOf(raw);
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[2\]\.refill\.day: /));
    expect(problems).toContainEqual(
      expect.stringMatching(/^plans\[0\]\.refill\.day: only monthly/),
    );
  });

  it("names the bad field: price, pool and unknown keys", () => {
    const raw = rawCatalog();
    raw.plans[0]!.overageUnitPrice = 0.2;
    (raw.plans[1]!.pools as Record<string, unknown>[])[1]!.scope = "team";
    (raw.plans[2]!.pools as Record<string, unknown>[])[0]!.durationMs = 10;
    raw.plans[0]!.colour = "blue";
    const problems = problemsOf(raw);
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[0\]\.overageUnitPrice: /));
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[1\]\.pools\[1\]\.scope: /));
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[2\]\.pools\[0\]\.durationMs: /));
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[0\]: .*colour/));
  });

  it("rejects duplicate plan ids, lookup keys and pool names", () => {
    const raw = rawCatalog();
    raw.plans[1]!.id = "starter";
    (raw.plans[2]!.stripe as Record<string, string>).overagePriceLookupKey =
      "growth_overage_credit";
    (raw.plans[2]!.pools as Record<string, unknown>[])[1]!.name = "requests";
    const problems = problemsOf(raw);
    expect(problems).toContainEqual(expect.stringMatching(/^plans\[1\]\.id: duplicate plan id/));
    expect(problems).toContainEqual(
      expect.stringMatching(/^plans\[2\]\.stripe\.overagePriceLookupKey: /),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^plans\[2\]\.pools\[1\]\.name: duplicate pool/),
    );
  });

  it("reports unreadable and non-JSON files with their path", () => {
    const dir = mkdtempSync(join(tmpdir(), "plans-"));
    const bad = join(dir, "plans.json");
    writeFileSync(bad, "{ not json");
    expect(() => loadPlanCatalog(bad)).toThrow(/plans\.json is not JSON/);
    expect(() => loadPlanCatalog(join(dir, "missing.json"))).toThrow(/cannot read plan catalog/);
  });
});
