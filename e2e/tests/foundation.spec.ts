import { expect, test } from "@playwright/test";
import { PASSWORD, signIn, users, type Role } from "./helpers";

test("health answers with the mode", async ({ request }) => {
  const res = await request.get("/healthz");
  expect(res.ok()).toBe(true);
  expect(await res.json()).toEqual({ ok: true, mode: "sandbox" });
});

test("a wrong password shows an error and no session", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText("Sandbox", { exact: true }).first()).toBeVisible();
  await page.getByLabel("Email").fill(users.support);
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText("Email or password is incorrect")).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
});

for (const role of Object.keys(users) as Role[]) {
  test(`${role} signs in, sees acme-corp in the list, opens it and sees its keys`, async ({
    page,
  }) => {
    await signIn(page, role);
    await page.getByRole("link", { name: "Customers" }).click();
    const acme = page.getByRole("link", { name: /Acme Corp/ });
    await expect(acme).toBeVisible();
    await expect(page.getByRole("columnheader", { name: "Customer" })).toBeVisible();
    await acme.click();
    await expect(page).toHaveURL(/\/customers\/acme-corp/);
    await expect(page.getByRole("heading", { name: "Acme Corp" })).toBeVisible();
    // acme-corp has exactly two keys, refilling monthly on day 31.
    const keyRows = page.getByRole("table", { name: "Keys" }).getByRole("row");
    await expect(keyRows).toHaveCount(3); // header + 2 keys
    await expect(page.getByText(/monthly on day 31/i).first()).toBeVisible();
  });
}

test("session cookie is HttpOnly and SameSite=Strict; sign out ends the session", async ({
  page,
  context,
}) => {
  await signIn(page, "admin");
  const session = (await context.cookies()).find((c) => c.name === "session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Strict");
  // Not readable from page scripts.
  expect(await page.evaluate(() => document.cookie)).not.toContain("session=");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  const after = await page.request.get("/trpc/session.me");
  expect(((await after.json()) as { result: { data: { user: unknown } } }).result.data.user).toBe(
    null,
  );
});

test("a procedure called without a session is refused", async ({ request }) => {
  const res = await request.get(
    `/trpc/customers.list?input=${encodeURIComponent(JSON.stringify({}))}`,
  );
  expect(res.status()).toBe(401);
});

test("sign-in page lists the sandbox logins", async ({ page }) => {
  await page.goto("/");
  for (const email of Object.values(users)) await expect(page.getByText(email)).toBeVisible();
  await expect(page.getByText(PASSWORD).first()).toBeVisible();
});
