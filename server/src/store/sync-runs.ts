/** Directory sync runs: progress for the UI, and the checkpoint an interrupted run resumes from. */
import type { Kysely } from "kysely";
import type { Database, SyncRun } from "./schema";

export interface SyncCheckpoint {
  /** Phases completed, in order. */
  completed: string[];
  /** Cursor after the last page written, per paged phase. */
  cursors: Record<string, string>;
}

export const parseCheckpoint = (json: string): SyncCheckpoint => {
  const v = JSON.parse(json) as Partial<SyncCheckpoint>;
  return { completed: v.completed ?? [], cursors: v.cursors ?? {} };
};

export function syncRunsRepo(db: Kysely<Database>) {
  return {
    async start(now: number): Promise<SyncRun> {
      return db
        .insertInto("sync_runs")
        .values({
          kind: "full",
          status: "running",
          phase: "starting",
          checkpoint: JSON.stringify({ completed: [], cursors: {} }),
          started_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    /** The newest unfinished run (interrupted by a restart, or failed), if any. */
    latestUnfinished(): Promise<SyncRun | undefined> {
      return db
        .selectFrom("sync_runs")
        .selectAll()
        .where("status", "in", ["running", "failed", "interrupted"])
        .where("id", ">", (eb) =>
          eb
            .selectFrom("sync_runs")
            .select((e) => e.fn.coalesce(e.fn.max("id"), e.lit(0)).as("m"))
            .where("status", "=", "ok"),
        )
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
    },
    async resume(id: number, now: number): Promise<void> {
      await db
        .updateTable("sync_runs")
        .set({ status: "running", error: null, updated_at: now })
        .where("id", "=", id)
        .execute();
    },
    async progress(
      id: number,
      p: {
        phase: string;
        done: number;
        total: number | null;
        checkpoint?: SyncCheckpoint;
        now: number;
        keysSeen?: number;
      },
    ): Promise<void> {
      await db
        .updateTable("sync_runs")
        .set({
          phase: p.phase,
          done: p.done,
          total: p.total,
          updated_at: p.now,
          ...(p.checkpoint ? { checkpoint: JSON.stringify(p.checkpoint) } : {}),
          ...(p.keysSeen !== undefined ? { keys_seen: p.keysSeen } : {}),
        })
        .where("id", "=", id)
        .execute();
    },
    async finish(
      id: number,
      r: {
        status: "ok" | "failed" | "interrupted";
        error: string | null;
        now: number;
        analyticsAsOf?: number | null;
      },
    ): Promise<void> {
      await db
        .updateTable("sync_runs")
        .set({
          status: r.status,
          error: r.error,
          updated_at: r.now,
          finished_at: r.status === "interrupted" ? null : r.now,
          ...(r.analyticsAsOf !== undefined ? { analytics_as_of: r.analyticsAsOf } : {}),
        })
        .where("id", "=", id)
        .execute();
    },
    /** The last run that ended (ok or failed): what the UI reports as the last result. */
    lastFinished(): Promise<SyncRun | undefined> {
      return db
        .selectFrom("sync_runs")
        .selectAll()
        .where("status", "in", ["ok", "failed"])
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
    },
    lastOk(): Promise<SyncRun | undefined> {
      return db
        .selectFrom("sync_runs")
        .selectAll()
        .where("status", "=", "ok")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
    },
    byId(id: number): Promise<SyncRun | undefined> {
      return db.selectFrom("sync_runs").selectAll().where("id", "=", id).executeTakeFirst();
    },
  };
}
export type SyncRunsRepo = ReturnType<typeof syncRunsRepo>;
