// Which roles may take which action. The server enforces the same rules; the UI only hides what a
// role cannot do.

export function canGrant(role: string): boolean {
  return role === "support" || role === "account_manager" || role === "admin";
}

export function canChangePlan(role: string): boolean {
  return role === "account_manager" || role === "admin";
}
