import fs from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn } from "./helpers";
import { keyIdsOf } from "./sandbox-clients";

async function expectNoSeriousA11yViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  expect(serious).toEqual([]);
}

/** Names of the rendered directory rows, top to bottom. */
async function visibleNames(page: Page): Promise<string[]> {
  const table = page.getByRole("table", { name: "Customers" });
  await expect(table.locator("tbody tr[data-external-id]").first()).toBeVisible();
  return table
    .locator("tbody tr")
    .evaluateAll((rows) =>
      rows
        .map((r) => r.querySelector("td")?.querySelector("a, p")?.textContent?.trim() ?? "")
        .filter((n) => n.length > 0),
    );
}

test("support finds acme-corp by one of its key ids and sees keys, next refills and pools", async ({
  page,
}) => {
  const keyIds = await keyIdsOf("acme-corp");
  expect(keyIds).toHaveLength(2);
  await signIn(page, "support");
  await page.goto("/customers");
  await page.getByRole("searchbox", { name: "Search customers" }).fill(keyIds[1]!);
  await expect(page.getByText("1 customer matches")).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`q=${keyIds[1]}`));
  await page.getByRole("link", { name: "Acme Corp" }).click();

  await expect(page.getByRole("heading", { level: 1, name: "Acme Corp" })).toBeVisible();
  const keys = page.getByRole("table", { name: "Keys" });
  await expect(keys.locator("tbody tr")).toHaveCount(2);
  for (const id of keyIds) await expect(keys.getByText(id)).toBeVisible();
  // Each key's next refill as an exact UTC instant (monthly on day 31 → a month's last day).
  await expect(keys.getByText(/\d{4}-\d{2}-\d{2} 00:00 UTC/)).toHaveCount(2);
  const pools = page.getByRole("table", { name: "Ratelimit pools" });
  await expect(pools.getByText("requests")).toBeVisible();
  await expect(pools.getByText("burst").first()).toBeVisible();
});

test("a filtered, sorted directory URL reloads to the same view, and Back undoes the sort", async ({
  page,
}) => {
  await signIn(page, "account_manager");
  await page.goto("/customers");
  await page.getByRole("group", { name: "Status" }).getByText("Low (< 20 % left)").click();
  await expect(page).toHaveURL(/statuses=/);
  await page.getByRole("button", { name: "Credits left" }).click();
  await expect(page).toHaveURL(/sort=credits_left/);
  await expect(page.getByRole("columnheader", { name: "Credits left" })).toHaveAttribute(
    "aria-sort",
    /ascending|descending/,
  );
  const url = page.url();
  const before = await visibleNames(page);
  expect(before.length).toBeGreaterThan(1);

  await page.reload();
  expect(page.url()).toBe(url);
  await expect(page.getByRole("columnheader", { name: "Credits left" })).toHaveAttribute(
    "aria-sort",
    /ascending|descending/,
  );
  expect(await visibleNames(page)).toEqual(before);

  await page.goBack();
  await expect(page).not.toHaveURL(/sort=credits_left/);
  await expect(page).toHaveURL(/statuses=/);
});

test("CSV export downloads exactly the rows of the current view", async ({ page }) => {
  await signIn(page, "finance");
  await page.goto("/customers?statuses=%5B%22exhausted%22%5D");
  const count = page.getByText(/^\d+ customers? match(es)?$/);
  await expect(count).toBeVisible();
  const total = Number((await count.textContent())!.split(" ")[0]!.replace(/,/g, ""));
  expect(total).toBeGreaterThan(0);
  const names = await visibleNames(page);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Export CSV" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^customers-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = fs
    .readFileSync(await download.path(), "utf8")
    .trim()
    .split(/\r?\n/);
  expect(csv.length - 1).toBe(total); // header + one line per customer
  for (const name of names) expect(csv.some((line) => line.includes(name))).toBe(true);
  expect(csv.slice(1).every((line) => /exhausted/.test(line))).toBe(true);
});

test("accessibility: the directory and a customer page have no serious or critical violations", async ({
  page,
}) => {
  await signIn(page, "admin");
  await page.goto("/customers");
  await visibleNames(page);
  await expectNoSeriousA11yViolations(page);
  await page.goto("/customers/acme-corp");
  await expect(page.getByRole("table", { name: "Keys" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Subscription" })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});
