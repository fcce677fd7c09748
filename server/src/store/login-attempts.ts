import type { Kysely } from "kysely";
import type { Database } from "./schema";

/** Failed sign-ins per bucket (email, IP) in a sliding window: the login rate limit. */
export function loginAttemptsRepo(db: Kysely<Database>) {
  return {
    async failuresSince(bucket: string, since: number): Promise<number> {
      const r = await db
        .selectFrom("login_attempts")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("bucket", "=", bucket)
        .where("ok", "=", 0)
        .where("at", ">", since)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async record(buckets: string[], at: number, ok: boolean): Promise<void> {
      await db
        .insertInto("login_attempts")
        .values(buckets.map((bucket) => ({ bucket, at, ok: ok ? 1 : 0 })))
        .execute();
    },
    /** A successful sign-in clears the email bucket so an earlier typo doesn't linger. */
    async clear(bucket: string): Promise<void> {
      await db.deleteFrom("login_attempts").where("bucket", "=", bucket).execute();
    },
    async prune(before: number): Promise<void> {
      await db.deleteFrom("login_attempts").where("at", "<", before).execute();
    },
  };
}
export type LoginAttemptsRepo = ReturnType<typeof loginAttemptsRepo>;
