/**
 * Reading the audit log with filters and paging (the log itself, and its hash chain, live in
 * audit.ts; this file only reads).
 */
import type { Kysely } from "kysely";
import type { AuditEntry, Database } from "./schema";

export interface AuditFilter {
  actor?: string | undefined;
  target?: string | undefined;
  action?: string | undefined;
  /** Unix ms, inclusive. */
  from?: number | undefined;
  /** Unix ms, exclusive. */
  to?: number | undefined;
}

export function auditQueryRepo(db: Kysely<Database>) {
  const filtered = (f: AuditFilter) => {
    let q = db.selectFrom("audit_log");
    if (f.actor) q = q.where("actor_email", "=", f.actor.trim().toLowerCase());
    if (f.target) q = q.where("target", "=", f.target);
    // Actions are namespaced ("grant.created"); a filter "grant" matches the whole family.
    if (f.action) {
      const action = f.action;
      q = q.where((eb) => eb.or([eb("action", "=", action), eb("action", "like", `${action}.%`)]));
    }
    if (f.from !== undefined) q = q.where("at", ">=", f.from);
    if (f.to !== undefined) q = q.where("at", "<", f.to);
    return q;
  };
  return {
    async page(
      f: AuditFilter & { limit: number; offset: number },
    ): Promise<{ rows: AuditEntry[]; total: number }> {
      const [rows, count] = await Promise.all([
        filtered(f).selectAll().orderBy("id", "desc").limit(f.limit).offset(f.offset).execute(),
        filtered(f)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },
    /** All matching entries, newest first, in batches (CSV export). */
    async *all(f: AuditFilter): AsyncGenerator<AuditEntry> {
      let before = Number.MAX_SAFE_INTEGER;
      for (;;) {
        const batch = await filtered(f)
          .selectAll()
          .where("id", "<", before)
          .orderBy("id", "desc")
          .limit(500)
          .execute();
        for (const r of batch) yield r;
        const last = batch.at(-1);
        if (!last || batch.length < 500) return;
        before = last.id;
      }
    },
  };
}
