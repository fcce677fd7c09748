// Runs last (files run in name order, one worker): these tests change fixtures (acme-corp's
// balance, initech's plan) that read-only specs rely on.
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";
import { SANDBOX, keyIdsOf, stripe, unkey } from "./sandbox-clients";

/** Total credits remaining over a customer's keys, read from the Unkey emulator through the SDK. */
async function unkeyRemaining(externalId: string): Promise<Map<string, number>> {
  const page = await unkey().apis.listKeys({ apiId: SANDBOX.unkeyApiId, externalId, limit: 100 });
  return new Map(page.result.data.map((k) => [k.keyId, k.credits?.remaining ?? Number.NaN]));
}

/** Billable overage units recorded on the Stripe emulator's meter for a customer, today (UTC). */
async function meteredToday(customerId: string): Promise<number> {
  const s = stripe();
  const meters = await s.billing.meters.list({ limit: 10 });
  const meter = meters.data.find((m) => m.event_name === "api_overage_credits");
  if (!meter) throw new Error("no overage meter in the sandbox");
  const day = 86_400;
  const start = Math.floor(Date.now() / 1000 / day) * day - 40 * day;
  const end = Math.floor(Date.now() / 1000 / day) * day + day;
  const summaries = await s.billing.meters.listEventSummaries(meter.id, {
    customer: customerId,
    start_time: start,
    end_time: end,
    limit: 100,
  });
  return summaries.data.reduce((sum, x) => sum + x.aggregated_value, 0);
}

test("support grants 500 billable credits to acme-corp: Unkey incremented once, one Stripe meter event, ledger and audit show it", async ({
  page,
}) => {
  const before = await unkeyRemaining("acme-corp");
  const identity = await unkey().identities.getIdentity({ identity: "acme-corp" });
  const stripeCustomerId = String(identity.data.meta?.stripeCustomerId);
  const meteredBefore = await meteredToday(stripeCustomerId);

  await signIn(page, "support");
  await page.goto("/customers/acme-corp");
  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
  await page.getByRole("button", { name: "Grant credits" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("Amount").fill("500");
  await dialog.getByLabel("Reason").fill("Outage on 2026-11-20, ticket #4711");
  await dialog.getByRole("radio", { name: "Billable overage" }).check();
  // The preview says what the next refill does to the balance before anything is confirmed.
  await expect(dialog.getByText(/00:00 UTC/).first()).toBeVisible();
  await dialog.getByRole("button", { name: "Grant", exact: true }).click();
  // A confirmation step states the money impact before anything is sent.
  await expect(dialog.getByText(/Bills 500 overage credits/)).toBeVisible();
  await page.getByRole("button", { name: "Confirm grant" }).click();
  await expect(page.getByText("Grant applied")).toBeVisible();

  // Exactly one key rose by exactly 500 (concurrent traffic never touches the fixtures).
  const after = await unkeyRemaining("acme-corp");
  const deltas = [...after].map(([id, v]) => v - (before.get(id) ?? 0));
  expect(deltas.sort((a, b) => a - b)).toEqual([0, 500]);
  expect(await meteredToday(stripeCustomerId)).toBe(meteredBefore + 500);

  // The balance shown rises by 500.
  const total = [...after.values()].reduce((a, b) => a + b, 0);
  await expect(
    page.getByRole("region", { name: /Credits/ }).getByText(total.toLocaleString("en-US")),
  ).toBeVisible();
  // The ledger shows it.
  await expect(page.getByText("Outage on 2026-11-20, ticket #4711")).toBeVisible();

  // The audit log shows it (finance may read it).
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, "finance");
  await page.getByRole("link", { name: "Audit log", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
  await expect(page.getByText(/grant/).first()).toBeVisible();
  await expect(page.getByText("acme-corp").first()).toBeVisible();
});

test("finance sees no Grant credits button, and calling the procedure directly is refused", async ({
  page,
}) => {
  await signIn(page, "finance");
  await page.goto("/customers/acme-corp");
  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Grant credits" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Change plan" })).toHaveCount(0);

  const [keyId] = await keyIdsOf("acme-corp");
  const status = await page.evaluate(async (keyId) => {
    const csrf = /csrf_token=([^;]+)/.exec(document.cookie)?.[1] ?? "";
    const res = await fetch("/trpc/grants.create", {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": csrf },
      body: JSON.stringify({
        operationId: crypto.randomUUID(),
        externalId: "acme-corp",
        keyId,
        amount: 100,
        reason: "should be refused",
        kind: "goodwill",
      }),
    });
    return res.status;
  }, keyId!);
  expect(status).toBe(403);
});

test("an account manager upgrades initech with a preview, then sees its new allowance and Stripe price", async ({
  page,
}) => {
  await signIn(page, "account_manager");
  await page.goto("/customers/initech");
  await expect(page.getByRole("heading", { level: 1, name: "Initech" })).toBeVisible();
  await page.getByRole("button", { name: "Change plan" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByRole("combobox", { name: "New plan" }).click();
  await page.getByRole("option", { name: /Growth/ }).click();
  // The preview shows the new allowance per key and Stripe's proration before confirming.
  await expect(dialog.getByText(/100,000/).first()).toBeVisible();
  await dialog.getByRole("button", { name: "Apply plan change" }).click();
  await page.getByRole("button", { name: "Confirm plan change" }).click();
  await expect(page.getByText("Plan change applied")).toBeVisible();

  // Unkey: every key now refills 100,000; Stripe: the subscription is on growth's prices.
  const page1 = await unkey().apis.listKeys({
    apiId: SANDBOX.unkeyApiId,
    externalId: "initech",
    limit: 100,
  });
  for (const k of page1.result.data) expect(k.credits?.refill?.amount).toBe(100_000);
  const identity = await unkey().identities.getIdentity({ identity: "initech" });
  expect(identity.data.meta?.plan).toBe("growth");
  const subs = await stripe().subscriptions.list({
    customer: String(identity.data.meta?.stripeCustomerId),
    expand: ["data.items.data.price"],
  });
  const lookupKeys = subs.data[0]!.items.data.map((i) => i.price.lookup_key);
  expect(lookupKeys).toContain("growth_base_monthly");

  await page.reload();
  await expect(page.getByText(/Growth/).first()).toBeVisible();
  await expect(page.getByText(/\$499\.00/).first()).toBeVisible();
});

test("a grant whose Stripe step cannot be confirmed ends in Needs review on the admins' Approvals page", async ({
  page,
  request,
}) => {
  // Every meter event fails for a while: the executor gives up and flags the operation for review.
  const faults = `${process.env.E2E_STRIPE_URL}/_sandbox/faults`;
  const added = await request.post(faults, {
    data: {
      service: "stripe",
      endpoint: "POST /v1/billing/meter_events",
      kind: "status",
      status: 500,
      times: 50,
    },
  });
  expect(added.ok()).toBe(true);
  try {
    await signIn(page, "admin");
    await page.goto("/customers/globex");
    await page.getByRole("button", { name: "Grant credits" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Amount").fill("250");
    await dialog.getByLabel("Reason").fill("Needs-review path check");
    await dialog.getByRole("radio", { name: "Billable overage" }).check();
    await dialog.getByRole("button", { name: "Grant", exact: true }).click();
    await page.getByRole("button", { name: "Confirm grant" }).click();
    await expect(page.getByText("Grant needs review")).toBeVisible({ timeout: 20_000 });
  } finally {
    await request.delete(faults);
  }
  await page.goto("/approvals");
  const review = page.getByRole("table", { name: "Needs review" });
  await expect(review.getByRole("link", { name: "globex" })).toBeVisible();

  // The admin checks Stripe and records the finding; the row leaves the list and the customer's
  // ledger shows the operation as failed with the note.
  await review.getByRole("button", { name: /^Settle operation .* for globex$/ }).click();
  const settle = page.getByRole("dialog", { name: "Settle this operation?" });
  await settle.getByRole("button", { name: "Record finding" }).click();
  await expect(settle.getByText("Choose what you found")).toBeVisible();
  await settle.getByRole("radio", { name: /not applied/ }).check();
  await settle.getByLabel("Note").fill("No meter event in Stripe; billed by hand");
  await settle.getByRole("button", { name: "Record finding" }).click();
  await expect(page.getByText("Recorded as failed")).toBeVisible();
  await expect(review.getByRole("link", { name: "globex" })).toHaveCount(0);
});
