import fs from "node:fs";
import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { signIn } from "./helpers";

test("finance opens Finance, sees non-empty charts and tables for the demo world, and exports CSV", async ({
  page,
}) => {
  await signIn(page, "finance");
  await page.getByRole("link", { name: "Finance", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Finance" })).toBeVisible();

  const byPlan = page.getByRole("region", { name: "By plan" });
  await expect(byPlan.getByRole("table")).toBeVisible();
  // The three demo plans, each with usage.
  for (const plan of ["Starter", "Growth", "Scale"]) {
    await expect(byPlan.getByRole("table").getByText(plan).first()).toBeVisible();
  }
  const topUsage = page.getByRole("region", { name: "Top customers by usage" });
  const usageRows = topUsage.getByRole("table").locator("tbody tr");
  await expect(usageRows.first()).toBeVisible();
  expect(await usageRows.count()).toBeGreaterThan(3);
  await expect(page.getByRole("img", { name: "Revenue by plan" })).toBeVisible();

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    topUsage.getByRole("button", { name: "Export CSV" }).click(),
  ]);
  const csv = fs
    .readFileSync(await download.path(), "utf8")
    .trim()
    .split(/\r?\n/);
  expect(csv.length - 1).toBe(await usageRows.count());
  const firstName = (await usageRows.first().locator("td").first().textContent())!.trim();
  expect(csv[1]).toContain(firstName);

  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
  ).toEqual([]);
});

test("initech's page: usage charts with data, and a forecast that runs out before the next refill", async ({
  page,
}) => {
  await signIn(page, "support");
  await page.goto("/customers/initech");
  await expect(page.getByRole("heading", { level: 1, name: "Initech" })).toBeVisible();
  await expect(page.getByText(/Runs out in .* before the next refill/i).first()).toBeVisible();

  const chart = page.getByRole("img", { name: "Verifications by outcome" });
  await expect(chart).toBeVisible();
  await expect(page.getByRole("img", { name: "Credit burn-down" })).toBeVisible();
  // The accessible table alternative carries the same data, with at least one non-zero bucket.
  await page.getByText("Show as table").first().click();
  const table = page.getByRole("table", { name: "Verifications by outcome" });
  await expect(table).toBeVisible();
  const cells = await table.locator("tbody td").allTextContents();
  expect(cells.some((c) => /^[1-9][\d,]*$/.test(c.trim()))).toBe(true);

  await page.getByRole("radiogroup", { name: "Range" }).getByText("30 d", { exact: true }).click();
  await expect(page).toHaveURL(/range=30d/);
  await expect(chart).toBeVisible();
});
