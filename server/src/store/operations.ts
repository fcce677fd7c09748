/**
 * The operation store. Every write the console makes to Unkey or Stripe is a row here first; the
 * executor moves it through its states with optimistic versioning, and claims it with a lease so
 * that two submissions (or two processes) never run the same operation at once.
 */
import { sql, type Kysely } from "kysely";
import type { Database, OperationKind, OperationRow, OperationState, Role } from "./schema";

export interface NewOperation {
  id: string;
  kind: OperationKind;
  state: OperationState;
  actor: { id: string; email: string; role: Role };
  externalId: string;
  inputJson: string;
  amount: number | null;
  reviewReason: string | null;
  now: number;
}

export interface OperationFilter {
  externalId?: string | undefined;
  state?: OperationState | undefined;
  actorId?: string | undefined;
  kind?: OperationKind | undefined;
  limit: number;
  offset: number;
}

/** States whose grants count towards the monthly support limit (applied, or on their way). */
const COUNTED: OperationState[] = [
  "pending",
  "unkey_applied",
  "stripe_applied",
  "done",
  "needs_review",
];

export const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

export function operationsRepo(db: Kysely<Database>) {
  return {
    /**
     * Inserts the operation unless its id exists. `decide` runs inside the same transaction
     * (SQLite serializes writers), so a limit check and the insert cannot interleave with another
     * submission. Returns the stored row and whether this call created it.
     */
    async insertOnce(
      op: NewOperation,
      decide?: (trx: Kysely<Database>) => Promise<Pick<NewOperation, "state" | "reviewReason">>,
    ): Promise<{ row: OperationRow; created: boolean }> {
      return db.transaction().execute(async (trx) => {
        const existing = await trx
          .selectFrom("operations")
          .selectAll()
          .where("id", "=", op.id)
          .executeTakeFirst();
        if (existing) return { row: existing, created: false };
        const decided = decide
          ? await decide(trx)
          : { state: op.state, reviewReason: op.reviewReason };
        await trx
          .insertInto("operations")
          .values({
            id: op.id,
            kind: op.kind,
            state: decided.state,
            actor_id: op.actor.id,
            actor_email: op.actor.email,
            actor_role: op.actor.role,
            external_id: op.externalId,
            input_json: op.inputJson,
            error: null,
            review_reason: decided.reviewReason,
            approval_json: null,
            amount: op.amount,
            month: monthOf(op.now),
            claimed_by: null,
            claimed_until: null,
            created_at: op.now,
            updated_at: op.now,
          })
          .onConflict((oc) => oc.column("id").doNothing())
          .execute();
        const row = await trx
          .selectFrom("operations")
          .selectAll()
          .where("id", "=", op.id)
          .executeTakeFirstOrThrow();
        return { row, created: true };
      });
    },

    /** Sum of grant amounts of a customer in a month that are applied or on their way. */
    async grantedInMonth(
      externalId: string,
      month: string,
      q: Kysely<Database> = db,
    ): Promise<number> {
      const r = await q
        .selectFrom("operations")
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("amount"), eb.lit(0)).as("n"))
        .where("external_id", "=", externalId)
        .where("kind", "=", "grant")
        .where("month", "=", month)
        .where("state", "in", COUNTED)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    byId(id: string): Promise<OperationRow | undefined> {
      return db.selectFrom("operations").selectAll().where("id", "=", id).executeTakeFirst();
    },

    async list(f: OperationFilter): Promise<{ rows: OperationRow[]; total: number }> {
      let q = db.selectFrom("operations");
      if (f.externalId) q = q.where("external_id", "=", f.externalId);
      if (f.state) q = q.where("state", "=", f.state);
      if (f.actorId) q = q.where("actor_id", "=", f.actorId);
      if (f.kind) q = q.where("kind", "=", f.kind);
      const [rows, count] = await Promise.all([
        q
          .selectAll()
          .orderBy("created_at", "desc")
          .orderBy("id")
          .limit(f.limit)
          .offset(f.offset)
          .execute(),
        q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow(),
      ]);
      return { rows, total: Number(count.n) };
    },

    /** Operations the executor should pick up (not terminal, not waiting for a person). */
    resumable(): Promise<OperationRow[]> {
      return db
        .selectFrom("operations")
        .selectAll()
        .where("state", "in", ["pending", "unkey_applied", "stripe_applied"])
        .orderBy("created_at")
        .execute();
    },

    /**
     * Claims the operation for `owner` until `until` if nobody holds a live lease (or `force`,
     * used on start-up of a single instance, where any lease is a dead process's). The UPDATE's
     * WHERE is the lock: of concurrent claimers exactly one sees `numUpdatedRows = 1`.
     */
    async claim(id: string, owner: string, now: number, until: number, force = false) {
      let q = db
        .updateTable("operations")
        .set({ claimed_by: owner, claimed_until: until })
        .where("id", "=", id);
      if (!force) {
        q = q.where((eb) =>
          eb.or([
            eb("claimed_until", "is", null),
            eb("claimed_until", "<", now),
            eb("claimed_by", "=", owner),
          ]),
        );
      }
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async release(id: string, owner: string): Promise<void> {
      await db
        .updateTable("operations")
        .set({ claimed_by: null, claimed_until: null })
        .where("id", "=", id)
        .where("claimed_by", "=", owner)
        .execute();
    },

    /**
     * Compare-and-set on `version`: the transition only happens from the state the caller read.
     * Returns the new row, or undefined when someone else moved it first.
     */
    async transition(
      row: OperationRow,
      patch: {
        state?: OperationState;
        steps?: unknown;
        error?: string | null;
        reviewReason?: string | null;
        approval?: unknown;
        now: number;
      },
    ): Promise<OperationRow | undefined> {
      const r = await db
        .updateTable("operations")
        .set({
          ...(patch.state ? { state: patch.state } : {}),
          ...(patch.steps !== undefined ? { steps_json: JSON.stringify(patch.steps) } : {}),
          ...(patch.error !== undefined ? { error: patch.error } : {}),
          ...(patch.reviewReason !== undefined ? { review_reason: patch.reviewReason } : {}),
          ...(patch.approval !== undefined
            ? { approval_json: JSON.stringify(patch.approval) }
            : {}),
          updated_at: patch.now,
          version: sql<number>`version + 1`,
        })
        .where("id", "=", row.id)
        .where("version", "=", row.version)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return undefined;
      return db.selectFrom("operations").selectAll().where("id", "=", row.id).executeTakeFirst();
    },
  };
}
export type OperationsRepo = ReturnType<typeof operationsRepo>;
