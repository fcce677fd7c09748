/** Session cookie → signed-in staff member: shared by the tRPC context and plain HTTP routes. */
import type { FastifyRequest } from "fastify";
import type { AppDeps, SessionInfo } from "../context";

export const CSRF_COOKIE = "csrf_token";
export const SESSION_COOKIE = "session";

export async function readSession(
  deps: AppDeps,
  token: string | undefined,
): Promise<SessionInfo | null> {
  if (!token) return null;
  const found = await deps.repos.sessions.resolve(token, deps.now());
  if (!found) return null;
  const { session, staff } = found;
  return {
    id: session.id,
    csrfToken: session.csrf_token,
    staff: { id: staff.id, email: staff.email, name: staff.name, role: staff.role },
  };
}

/** The request's session, from its session cookie (null when absent, expired or disabled). */
export function sessionOf(deps: AppDeps, req: FastifyRequest): Promise<SessionInfo | null> {
  return readSession(deps, req.cookies[SESSION_COOKIE]);
}
