import { hashPassword } from "../auth/password";
import type { Repos, Role } from "../store/index";

export const SANDBOX_PASSWORD = "sandbox-password";
export const SANDBOX_STAFF: { email: string; name: string; role: Role }[] = [
  { email: "admin@example.com", name: "Ada Admin", role: "admin" },
  { email: "am@example.com", name: "Avery Account-Manager", role: "account_manager" },
  { email: "support@example.com", name: "Sam Support", role: "support" },
  { email: "finance@example.com", name: "Fin Finance", role: "finance" },
];

/** Sandbox mode: one user per role with the published sandbox password (created once). */
export async function ensureSandboxStaff(repos: Repos, now: number): Promise<void> {
  const passwordHash = await hashPassword(SANDBOX_PASSWORD);
  for (const s of SANDBOX_STAFF) {
    if (await repos.staff.byEmail(s.email)) continue;
    await repos.staff.create({ ...s, passwordHash, now });
  }
}
