import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, Role, Staff } from "./schema";

export function staffRepo(db: Kysely<Database>) {
  return {
    async create(input: {
      email: string;
      name: string;
      role: Role;
      passwordHash: string;
      now: number;
    }): Promise<Staff> {
      const row: Staff = {
        id: `stf_${randomUUID()}`,
        email: input.email.trim().toLowerCase(),
        name: input.name,
        role: input.role,
        password_hash: input.passwordHash,
        disabled_at: null,
        created_at: input.now,
      };
      await db.insertInto("staff").values(row).execute();
      return row;
    },
    byEmail(email: string): Promise<Staff | undefined> {
      return db
        .selectFrom("staff")
        .selectAll()
        .where("email", "=", email.trim().toLowerCase())
        .executeTakeFirst();
    },
    byId(id: string): Promise<Staff | undefined> {
      return db.selectFrom("staff").selectAll().where("id", "=", id).executeTakeFirst();
    },
    list(): Promise<Staff[]> {
      return db.selectFrom("staff").selectAll().orderBy("email").execute();
    },
    async setDisabled(id: string, disabledAt: number | null): Promise<void> {
      await db.updateTable("staff").set({ disabled_at: disabledAt }).where("id", "=", id).execute();
    },
    async setRole(id: string, role: Role): Promise<void> {
      await db.updateTable("staff").set({ role }).where("id", "=", id).execute();
    },
    async count(): Promise<number> {
      const r = await db
        .selectFrom("staff")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}
export type StaffRepo = ReturnType<typeof staffRepo>;
