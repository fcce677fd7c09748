import { expect, type Page } from "@playwright/test";

export const PASSWORD = "sandbox-password";
export const users = {
  admin: "admin@example.com",
  account_manager: "am@example.com",
  support: "support@example.com",
  finance: "finance@example.com",
} as const;
export type Role = keyof typeof users;

export async function signIn(page: Page, role: Role) {
  await page.goto("/");
  await page.getByLabel("Email").fill(users[role]);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}
