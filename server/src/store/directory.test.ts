/**
 * The directory repository's batch writes (one JSON parameter per batch): values round-trip
 * with their types, unchanged rows are only re-stamped, and a batch of subscriptions keeps the
 * best-ranked one per customer, as applying them one by one would.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore, repos as makeRepos, type Store } from "./index";
import type { KeyInput } from "./directory";

let store: Store;
let repos: ReturnType<typeof makeRepos>;
beforeEach(async () => {
  store = await openStore(null);
  repos = makeRepos(store);
});
afterEach(async () => {
  await store.close();
});

const key = (over: Partial<KeyInput> = {}): KeyInput => ({
  keyId: "key_a",
  externalId: "acme",
  identityId: "id_acme",
  start: "sk_a",
  name: "prod",
  enabled: true,
  remaining: 1_234,
  refill: { interval: "monthly", amount: 10_000, refillDay: 15 },
  lastUsedAt: 1_795_700_000_123,
  nextRefillAt: 1_796_000_000_000,
  periodStart: 1_794_700_000_000,
  ...over,
});

describe("directory batch writes", () => {
  it("keys round-trip with their types; unchanged keys are only re-stamped", async () => {
    await repos.directory.upsertKeys(1, 1_000, [
      key(),
      key({
        keyId: "key_b",
        externalId: null,
        identityId: null,
        name: 'it\'s "quoted" ✓',
        enabled: false,
        remaining: null,
        refill: null,
        lastUsedAt: null,
        nextRefillAt: null,
        periodStart: null,
      }),
    ]);
    const [a] = await repos.directory.keysOf("acme");
    expect(a).toMatchObject({
      key_id: "key_a",
      owner: "acme",
      external_id: "acme",
      enabled: 1,
      remaining: 1_234,
      refill_interval: "monthly",
      refill_amount: 10_000,
      refill_day: 15,
      last_used_at: 1_795_700_000_123,
      period_start: 1_794_700_000_000,
      seen_run: 1,
      synced_at: 1_000,
    });
    const [b] = await repos.directory.keysOf("key:key_b");
    expect(b).toMatchObject({
      owner: "key:key_b",
      external_id: null,
      name: 'it\'s "quoted" ✓',
      enabled: 0,
      remaining: null,
      refill_interval: null,
      refill_day: null,
    });
    // A key with no identity gets its own row.
    expect(await repos.directory.byExternalId("key:key_b")).toMatchObject({
      kind: "unassigned_key",
      name: 'it\'s "quoted" ✓',
    });

    await repos.directory.upsertKeys(2, 2_000, [key()]);
    const [again] = await repos.directory.keysOf("acme");
    expect(again).toMatchObject({ seen_run: 2, synced_at: 2_000, remaining: 1_234 });
    await repos.directory.upsertKeys(3, 3_000, [key({ remaining: 7 })]);
    expect((await repos.directory.keysOf("acme"))[0]).toMatchObject({ seen_run: 3, remaining: 7 });
  });

  it("identities keep a Stripe match found by metadata until the join re-checks it", async () => {
    const identity = {
      externalId: "acme",
      identityId: "id_acme",
      name: "Acme",
      email: "billing@acme.example",
      plan: null,
      stripeCustomerId: null,
    };
    await repos.directory.upsertStripeCustomers(1, [
      { id: "cus_1", name: "Acme", email: null, unkeyExternalId: "acme", plan: "growth" },
    ]);
    await repos.directory.upsertIdentities(1, 1_000, [identity]);
    await repos.directory.joinStripe(1, 1_000);
    expect(await repos.directory.byExternalId("acme")).toMatchObject({
      stripe_customer_id: "cus_1",
      stripe_match: "metadata",
      plan: "growth",
    });
    await repos.directory.upsertIdentities(2, 2_000, [{ ...identity, name: "Acme Corp" }]);
    expect(await repos.directory.byExternalId("acme")).toMatchObject({
      name: "Acme Corp",
      stripe_customer_id: "cus_1",
      stripe_match: "metadata",
      plan: "growth",
      seen_run: 2,
    });
  });

  it("a batch of subscriptions keeps the best-ranked one per customer", async () => {
    await repos.directory.upsertStripeCustomers(1, [
      { id: "cus_1", name: null, email: null, unkeyExternalId: null, plan: null },
      { id: "cus_2", name: null, email: null, unkeyExternalId: null, plan: null },
    ]);
    await repos.directory.applySubscriptions([
      { customerId: "cus_1", status: "past_due", rank: 2 },
      { customerId: "cus_1", status: "active", rank: 0 },
      { customerId: "cus_1", status: "active-too", rank: 0 }, // same rank: the first stays
      { customerId: "cus_2", status: "canceled", rank: 6 },
    ]);
    // A later batch replaces a stored status only with a better one.
    await repos.directory.applySubscriptions([
      { customerId: "cus_1", status: "trialing", rank: 1 },
      { customerId: "cus_2", status: "trialing", rank: 1 },
    ]);
    const rows = await store.db
      .selectFrom("directory_stripe_customers")
      .select(["id", "subscription_status", "subscription_rank"])
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      { id: "cus_1", subscription_status: "active", subscription_rank: 0 },
      { id: "cus_2", subscription_status: "trialing", subscription_rank: 1 },
    ]);
  });
});
