/**
 * Conformance: every emulated endpoint called through the real @unkey/api SDK (retries off), and
 * every raw body the SDK received — successes and errors — validated against the spec's schemas.
 */
import * as errors from "@unkey/api/models/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./testing/harness";
import { validateResponse } from "./testing/spec";

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  // Every response the SDK saw must match the spec schema for its endpoint and status.
  const problems = h.recorded.flatMap((r) =>
    validateResponse(r.endpoint, r.status, r.body).map((p) => `${r.endpoint} ${r.status}: ${p}`),
  );
  await h.close();
  expect(problems).toEqual([]);
});

function expectValid(endpoint: string, status = 200) {
  const r = h.last(endpoint);
  expect(r.status).toBe(status);
  expect(validateResponse(endpoint, status, r.body)).toEqual([]);
  return r.body as { meta: { requestId: string }; data?: unknown; error?: any; pagination?: any };
}

describe("unkey emulator through the SDK", () => {
  it("creates, reads, updates, verifies and deletes keys", async () => {
    const created = await h.sdk.identities.createIdentity({
      externalId: "acme-corp",
      meta: { name: "Acme Corp", plan: "growth" },
      ratelimits: [{ name: "requests", limit: 100, duration: 60_000, autoApply: true }],
    });
    expect(created.data.identityId).toMatch(/^id_/);
    expectValid("identities.createIdentity");

    const key = await h.sdk.keys.createKey({
      apiId: h.emulator.apiId,
      prefix: "acme",
      name: "Acme production",
      externalId: "acme-corp",
      meta: { env: "prod" },
      credits: { remaining: 1000, refill: { interval: "monthly", amount: 1000, refillDay: 31 } },
      ratelimits: [{ name: "burst", limit: 10, duration: 1000, autoApply: false }],
    });
    expect(key.data.key.startsWith("acme_")).toBe(true);
    expectValid("keys.createKey");

    const got = await h.sdk.keys.getKey({ keyId: key.data.keyId });
    expect(got.data).toMatchObject({
      keyId: key.data.keyId,
      name: "Acme production",
      enabled: true,
      credits: { remaining: 1000, refill: { interval: "monthly", amount: 1000, refillDay: 31 } },
      identity: { externalId: "acme-corp", meta: { name: "Acme Corp", plan: "growth" } },
    });
    expect(got.data.start).toBe(key.data.key.slice(0, 9));
    expectValid("keys.getKey");

    await h.sdk.keys.updateKey({
      keyId: key.data.keyId,
      name: "Acme prod",
      meta: null,
      enabled: true,
    });
    expectValid("keys.updateKey");
    const afterUpdate = await h.sdk.keys.getKey({ keyId: key.data.keyId });
    expect(afterUpdate.data.name).toBe("Acme prod");
    expect(afterUpdate.data.meta).toBeUndefined();

    const credits = await h.sdk.keys.updateCredits({
      keyId: key.data.keyId,
      operation: "increment",
      value: 500,
    });
    expect(credits.data).toEqual({
      remaining: 1500,
      refill: { interval: "monthly", amount: 1000, refillDay: 31 },
    });
    expectValid("keys.updateCredits");

    const verified = await h.sdk.keys.verifyKey({
      key: key.data.key,
      tags: ["path=/v1/x"],
      credits: { cost: 5 },
    });
    expect(verified.data).toMatchObject({
      valid: true,
      code: "VALID",
      keyId: key.data.keyId,
      credits: 1495,
    });
    expect(verified.data.identity?.externalId).toBe("acme-corp");
    expect(verified.data.ratelimits?.map((r) => r.name)).toEqual(["requests"]);
    expectValid("keys.verifyKey");

    const unknown = await h.sdk.keys.verifyKey({ key: "acme_doesnotexist" });
    expect(unknown.data).toEqual({ valid: false, code: "NOT_FOUND" });
    expectValid("keys.verifyKey");

    const listed = await h.sdk.apis.listKeys({ apiId: h.emulator.apiId, limit: 10 });
    expect(listed.result.data.map((k) => k.keyId)).toEqual([key.data.keyId]);
    expect(listed.result.pagination).toEqual({ hasMore: false });
    expectValid("apis.listKeys");

    await h.sdk.keys.deleteKey({ keyId: key.data.keyId });
    expectValid("keys.deleteKey");
    const afterDelete = await h.sdk.keys.verifyKey({ key: key.data.key });
    expect(afterDelete.data.code).toBe("NOT_FOUND");
  });

  it("reads, lists, searches and updates identities", async () => {
    await h.sdk.identities.createIdentity({ externalId: "globex" });
    await h.sdk.identities.createIdentity({ externalId: "initech" });

    const got = await h.sdk.identities.getIdentity({ identity: "globex" });
    expect(got.data).toMatchObject({ externalId: "globex", meta: {}, ratelimits: [] });
    expectValid("identities.getIdentity");
    const byId = await h.sdk.identities.getIdentity({ identity: got.data.id });
    expect(byId.data.externalId).toBe("globex");

    const page = await h.sdk.identities.listIdentities({ limit: 2 });
    expect(page.result.data).toHaveLength(2);
    expect(page.result.pagination.hasMore).toBe(true);
    expect(page.result.pagination.cursor).toBeTruthy();
    expectValid("identities.listIdentities");

    const search = await h.sdk.identities.listIdentities({ search: "NITE" });
    expect(search.result.data.map((i) => i.externalId)).toEqual(["initech"]);
    expect(search.result.pagination).toEqual({ hasMore: false });

    const updated = await h.sdk.identities.updateIdentity({
      identity: "initech",
      meta: { name: "Initech" },
      ratelimits: [{ name: "requests", limit: 5, duration: 1000, autoApply: true }],
    });
    expect(updated.data).toMatchObject({ externalId: "initech", meta: { name: "Initech" } });
    expect(updated.data.ratelimits?.[0]).toMatchObject({
      name: "requests",
      limit: 5,
      duration: 1000,
      autoApply: true,
    });
    expectValid("identities.updateIdentity");
  });

  it("answers analytics queries", async () => {
    const res = await h.sdk.analytics.getVerifications({
      query:
        "SELECT outcome, count() AS total, sum(spent_credits) AS spent FROM key_verifications_v1 GROUP BY outcome ORDER BY outcome",
    });
    expect(res.data).toEqual([{ outcome: "VALID", total: 1, spent: 5 }]);
    expectValid("analytics.getVerifications");
  });

  describe("errors", () => {
    it("400 names the field and the SDK throws BadRequestErrorResponse", async () => {
      const err = await h.sdk.keys
        .createKey({
          apiId: h.emulator.apiId,
          credits: { remaining: 10, refill: { interval: "monthly", amount: 10 } },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(errors.BadRequestErrorResponse);
      const body = expectValid("keys.createKey", 400);
      expect(body.error.errors[0].location).toBe("body.credits.refill.refillDay");
      expect(body.error.type).toBe("https://unkey.com/docs/errors/unkey/application/invalid_input");

      const bad = await h.raw("keys.createKey", { apiId: "x", byteLength: 3, nope: true });
      expect(bad.status).toBe(400);
      expect(validateResponse("keys.createKey", 400, bad.body)).toEqual([]);
      expect(bad.body.error.errors.map((e: { location: string }) => e.location).sort()).toEqual(
        ["body.apiId", "body.byteLength", "body.nope"].sort(),
      );
    });

    it("401 on a missing or unknown root key", async () => {
      const missing = await h.raw("keys.getKey", { keyId: "key_123" }, {});
      expect(missing.status).toBe(401);
      expect(validateResponse("keys.getKey", 401, missing.body)).toEqual([]);
      const { Unkey } = await import("@unkey/api");
      const intruder = new Unkey({
        rootKey: "wrong",
        serverURL: h.server.url,
        retryConfig: { strategy: "none" },
      });
      await expect(intruder.keys.getKey({ keyId: "key_123" })).rejects.toBeInstanceOf(
        errors.UnauthorizedErrorResponse,
      );
    });

    it("404 for unknown keys, identities and APIs", async () => {
      await expect(h.sdk.keys.getKey({ keyId: "key_missing" })).rejects.toBeInstanceOf(
        errors.NotFoundErrorResponse,
      );
      expect(expectValid("keys.getKey", 404).error.type).toBe(
        "https://unkey.com/docs/errors/unkey/data/key_not_found",
      );
      await expect(
        h.sdk.keys.updateCredits({ keyId: "key_missing", operation: "set", value: 1 }),
      ).rejects.toBeInstanceOf(errors.NotFoundErrorResponse);
      await expect(
        h.sdk.keys.updateKey({ keyId: "key_missing", name: "x" }),
      ).rejects.toBeInstanceOf(errors.NotFoundErrorResponse);
      await expect(h.sdk.keys.deleteKey({ keyId: "key_missing" })).rejects.toBeInstanceOf(
        errors.NotFoundErrorResponse,
      );
      await expect(h.sdk.identities.getIdentity({ identity: "nobody" })).rejects.toBeInstanceOf(
        errors.NotFoundErrorResponse,
      );
      expect(expectValid("identities.getIdentity", 404).error.type).toBe(
        "https://unkey.com/docs/errors/unkey/data/identity_not_found",
      );
      await expect(
        h.sdk.identities.updateIdentity({ identity: "nobody", meta: {} }),
      ).rejects.toBeInstanceOf(errors.NotFoundErrorResponse);
      await expect(h.sdk.apis.listKeys({ apiId: "api_other" })).rejects.toBeInstanceOf(
        errors.NotFoundErrorResponse,
      );
      expectValid("apis.listKeys", 404);
    });

    it("409 on a duplicate externalId", async () => {
      await expect(
        h.sdk.identities.createIdentity({ externalId: "globex" }),
      ).rejects.toBeInstanceOf(errors.ConflictErrorResponse);
      expect(expectValid("identities.createIdentity", 409).error.type).toBe(
        "https://unkey.com/docs/errors/unkey/data/identity_already_exists",
      );
    });

    it("400 for increment/decrement on an unlimited key", async () => {
      const key = await h.sdk.keys.createKey({ apiId: h.emulator.apiId });
      for (const operation of ["increment", "decrement"] as const) {
        await expect(
          h.sdk.keys.updateCredits({ keyId: key.data.keyId, operation, value: 1 }),
        ).rejects.toBeInstanceOf(errors.BadRequestErrorResponse);
        expectValid("keys.updateCredits", 400);
      }
      const set = await h.sdk.keys.updateCredits({
        keyId: key.data.keyId,
        operation: "set",
        value: 3,
      });
      expect(set.data).toEqual({ remaining: 3 });
    });

    it("analytics rule violations are 400s with Unkey's types", async () => {
      const cases: [string, string][] = [
        ["DELETE FROM key_verifications_v1", "invalid_analytics_query_type"],
        ["INSERT INTO key_verifications_v1 VALUES (1)", "invalid_analytics_query_type"],
        ["SELECT * FROM system.tables", "invalid_analytics_table"],
        ["SELECT count() FROM default.key_verifications_raw_v2", "invalid_analytics_table"],
        ["SELECT count() FROM key_verifications_v2", "invalid_analytics_table"],
        ["SELECT toUnixTimestamp(now()) FROM key_verifications_v1", "invalid_analytics_function"],
        [
          "SELECT count() FROM key_verifications_v1 UNION ALL SELECT count() FROM key_verifications_v1",
          "invalid_analytics_query",
        ],
        ["SELEC 1", "invalid_analytics_query"],
      ];
      for (const [query, type] of cases) {
        const err = await h.sdk.analytics.getVerifications({ query }).catch((e: unknown) => e);
        expect(err, query).toBeInstanceOf(errors.BadRequestErrorResponse);
        const body = expectValid("analytics.getVerifications", 400);
        expect(body.error.type, query).toBe(
          `https://unkey.com/docs/errors/user/bad_request/${type}`,
        );
      }
    });

    it("429 when the analytics quota is spent", async () => {
      const q = await startHarness({ queriesPerHour: 3 });
      try {
        for (let i = 0; i < 3; i++)
          await q.sdk.analytics.getVerifications({
            query: "SELECT count() AS n FROM key_verifications_v1",
          });
        const err = await q.sdk.analytics
          .getVerifications({ query: "SELECT count() AS n FROM key_verifications_v1" })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(errors.TooManyRequestsErrorResponse);
        const r = q.last("analytics.getVerifications");
        expect(r.status).toBe(429);
        expect(r.contentType).toContain("application/problem+json");
        expect(validateResponse("analytics.getVerifications", 429, r.body)).toEqual([]);
        expect((r.body as any).error.type).toBe(
          "https://unkey.com/docs/errors/user/too_many_requests/query_quota_exceeded",
        );
        // Rolling hour: an hour later the quota is free again.
        q.clock.advance(3_600_001);
        await expect(
          q.sdk.analytics.getVerifications({
            query: "SELECT count() AS n FROM key_verifications_v1",
          }),
        ).resolves.toBeTruthy();
        q.emulator.resetQuota();
      } finally {
        await q.close();
      }
    });

    it("injected faults use the spec's envelope", async () => {
      for (const status of [429, 500, 503]) {
        h.faults.add({ endpoint: "keys.getKey", kind: "status", status, times: 1 });
        const err = await h.sdk.keys.getKey({ keyId: "key_whatever" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(errors.UnkeyError);
        const r = h.last("keys.getKey");
        expect(r.status).toBe(status);
        const body = r.body as any;
        expect(body.error.status).toBe(status);
        expect(body.meta.requestId).toMatch(/^req_/);
        expect(validateResponse("keys.getKey", status, body)).toEqual([]);
      }
      expect(
        h.emulator.faultResponse(503, {
          id: "f",
          endpoint: "analytics.getVerifications",
          kind: "status",
          fired: 1,
        }).status,
      ).toBe(503);
      const body = h.emulator.faultResponse(503, {
        id: "f",
        endpoint: "x",
        kind: "status",
        fired: 1,
      }).body;
      expect(validateResponse("analytics.getVerifications", 503, body)).toEqual([]);
    });
  });
});
