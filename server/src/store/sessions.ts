import { createHash, randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, Session, Staff } from "./schema";

/** Session ids in the store are hashes of the cookie token, never the token itself. */
export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export function sessionsRepo(db: Kysely<Database>) {
  return {
    async create(staffId: string, now: number, ttlMs: number) {
      const token = randomBytes(32).toString("base64url");
      const csrfToken = randomBytes(24).toString("base64url");
      const row: Session = {
        id: hashToken(token),
        staff_id: staffId,
        csrf_token: csrfToken,
        created_at: now,
        expires_at: now + ttlMs,
        last_seen_at: now,
      };
      await db.insertInto("sessions").values(row).execute();
      return { token, session: row };
    },
    /** The live session and its (enabled) staff member for a cookie token, or undefined. */
    async resolve(
      token: string,
      now: number,
    ): Promise<{ session: Session; staff: Staff } | undefined> {
      const row = await db
        .selectFrom("sessions")
        .innerJoin("staff", "staff.id", "sessions.staff_id")
        .selectAll("sessions")
        .select([
          "staff.email",
          "staff.name",
          "staff.role",
          "staff.password_hash",
          "staff.disabled_at",
          "staff.created_at as staff_created_at",
        ])
        .where("sessions.id", "=", hashToken(token))
        .executeTakeFirst();
      if (!row || row.expires_at <= now || row.disabled_at !== null) return undefined;
      const { email, name, role, password_hash, disabled_at, staff_created_at, ...session } = row;
      return {
        session,
        staff: {
          id: session.staff_id,
          email,
          name,
          role,
          password_hash,
          disabled_at,
          created_at: staff_created_at,
        },
      };
    },
    async touch(id: string, now: number): Promise<void> {
      await db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", id).execute();
    },
    async delete(id: string): Promise<void> {
      await db.deleteFrom("sessions").where("id", "=", id).execute();
    },
    async deleteForStaff(staffId: string): Promise<void> {
      await db.deleteFrom("sessions").where("staff_id", "=", staffId).execute();
    },
    async deleteExpired(now: number): Promise<void> {
      await db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
    },
  };
}
export type SessionsRepo = ReturnType<typeof sessionsRepo>;
