/**
 * The audit log: append-only (triggers refuse UPDATE/DELETE) and hash-chained, so an edit made
 * behind the database's back is detectable by `verifyChain`.
 */
import { createHash } from "node:crypto";
import type { Kysely } from "kysely";
import type { AuditEntry, Database, Role } from "./schema";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditInput {
  at: number;
  actor: { id: string; email: string; role: Role } | null;
  action: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
  meta?: unknown;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export function entryHash(e: Omit<AuditEntry, "id" | "hash">): string {
  const canonical = JSON.stringify([
    e.prev_hash,
    e.at,
    e.actor_id,
    e.actor_email,
    e.actor_role,
    e.action,
    e.target,
    e.before_json,
    e.after_json,
    e.meta_json,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export function auditRepo(db: Kysely<Database>) {
  return {
    append(input: AuditInput): Promise<AuditEntry> {
      // One transaction reads the chain head and appends, so concurrent appends cannot fork it.
      return db.transaction().execute(async (trx) => {
        const last = await trx
          .selectFrom("audit_log")
          .select("hash")
          .orderBy("id", "desc")
          .limit(1)
          .executeTakeFirst();
        const row = {
          at: input.at,
          actor_id: input.actor?.id ?? null,
          actor_email: input.actor?.email ?? null,
          actor_role: input.actor?.role ?? null,
          action: input.action,
          target: input.target ?? null,
          before_json: json(input.before),
          after_json: json(input.after),
          meta_json: json(input.meta),
          prev_hash: last?.hash ?? GENESIS_HASH,
        };
        const hash = entryHash(row);
        const inserted = await trx
          .insertInto("audit_log")
          .values({ ...row, hash })
          .returningAll()
          .executeTakeFirstOrThrow();
        return inserted;
      });
    },
    list(opts: { limit: number; action?: string; actorId?: string }): Promise<AuditEntry[]> {
      let q = db.selectFrom("audit_log").selectAll().orderBy("id", "desc").limit(opts.limit);
      if (opts.action) q = q.where("action", "=", opts.action);
      if (opts.actorId) q = q.where("actor_id", "=", opts.actorId);
      return q.execute();
    },
    /** Walks the whole chain; returns the first broken entry's id, or null when intact. */
    async verifyChain(): Promise<{ ok: true; entries: number } | { ok: false; brokenAt: number }> {
      let prev = GENESIS_HASH;
      let n = 0;
      const rows = await db.selectFrom("audit_log").selectAll().orderBy("id", "asc").execute();
      for (const r of rows) {
        const { id, hash, ...rest } = r;
        if (rest.prev_hash !== prev || entryHash(rest) !== hash) return { ok: false, brokenAt: id };
        prev = hash;
        n++;
      }
      return { ok: true, entries: n };
    },
  };
}
export type AuditRepo = ReturnType<typeof auditRepo>;
