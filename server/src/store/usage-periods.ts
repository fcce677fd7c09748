/**
 * The finance page's read model (migration 0006): one period's usage per customer as Unkey
 * analytics last reported it, with the per-plan sums and totals computed when it is written, so a
 * finance view at 100k customers reads a few small rows and two index walks instead of grouping
 * every customer. Plans and allowances are stamped from the directory read model at write time.
 * Written by services/finance/usage-periods.ts; nothing here calls upstream.
 */
import { sql, type Kysely } from "kysely";
import { chunks, JSON_BATCH, jsonList, jsonRows } from "./json-params";
import type { Database, UsagePeriodTable } from "./schema";

export type UsagePeriod = UsagePeriodTable;

export interface UsageFigures {
  externalId: string;
  verifications: number;
  valid: number;
  spent: number;
}

export interface PeriodCustomer {
  externalId: string;
  name: string | null;
  /** Plan when the figures were written; the directory's current plan when there are none. */
  plan: string | null;
  verifications: number;
  spent: number;
}

export function usagePeriodsRepo(db: Kysely<Database>) {
  return {
    get(key: string): Promise<UsagePeriod | undefined> {
      return db.selectFrom("usage_periods").selectAll().where("key", "=", key).executeTakeFirst();
    },

    async touch(key: string, at: number): Promise<void> {
      await db
        .updateTable("usage_periods")
        .set({ last_used_at: at })
        .where("key", "=", key)
        .execute();
    },

    /**
     * Replaces a period's figures in one transaction: readers see the old period or the new one,
     * never half of it.
     */
    async replace(
      meta: Pick<UsagePeriod, "key" | "from_ms" | "to_ms" | "refreshed_at" | "final" | "source">,
      rows: readonly UsageFigures[],
    ): Promise<UsagePeriod> {
      const key = meta.key;
      return db.transaction().execute(async (trx) => {
        await trx.deleteFrom("usage_period_customers").where("period_key", "=", key).execute();
        await trx.deleteFrom("usage_period_plans").where("period_key", "=", key).execute();
        // Plans and allowances come from the directory row of each customer, in the same statement.
        for (const part of chunks(rows, JSON_BATCH)) {
          const values = part.map((r) => [r.externalId, r.verifications, r.valid, r.spent]);
          // Analytics groups by external_id, so a repeat is a bug upstream: keep the first.
          await sql`INSERT INTO usage_period_customers
              (period_key, external_id, verifications, valid, spent, plan, allowance, over)
            SELECT ${key}, u.external_id, u.verifications, u.valid, u.spent, d.plan,
              d.credits_allowance,
              CASE WHEN d.credits_allowance > 0 AND u.spent > d.credits_allowance THEN 1 ELSE 0 END
            FROM ${jsonRows(values, ["external_id", "verifications", "valid", "spent"])} AS u
            LEFT JOIN directory_customers AS d ON d.external_id = u.external_id
            WHERE true
            ON CONFLICT DO NOTHING`.execute(trx);
        }
        await sql`INSERT INTO usage_period_plans (period_key, plan, customers_with_usage, verifications, spent)
          SELECT period_key, coalesce(plan, 'none'), sum(verifications > 0), sum(verifications), sum(spent)
          FROM usage_period_customers WHERE period_key = ${key} GROUP BY 1, 2`.execute(trx);
        const totals = await trx
          .selectFrom("usage_period_plans")
          .select((eb) => [
            eb.fn.coalesce(eb.fn.sum<number>("customers_with_usage"), eb.lit(0)).as("c"),
            eb.fn.coalesce(eb.fn.sum<number>("verifications"), eb.lit(0)).as("n"),
            eb.fn.coalesce(eb.fn.sum<number>("spent"), eb.lit(0)).as("s"),
          ])
          .where("period_key", "=", key)
          .executeTakeFirstOrThrow();
        const valid = await trx
          .selectFrom("usage_period_customers")
          .select((eb) => eb.fn.coalesce(eb.fn.sum<number>("valid"), eb.lit(0)).as("v"))
          .where("period_key", "=", key)
          .executeTakeFirstOrThrow();
        const row: UsagePeriod = {
          ...meta,
          last_used_at: meta.refreshed_at,
          customers_with_usage: Number(totals.c),
          verifications: Number(totals.n),
          valid: Number(valid.v),
          spent: Number(totals.s),
        };
        await trx
          .insertInto("usage_periods")
          .values(row)
          .onConflict((c) => c.column("key").doUpdateSet({ ...row, key: undefined }))
          .execute();
        return row;
      });
    },

    /** Drops custom-range periods nobody looked at since `before` (months are kept). */
    async evictRanges(before: number): Promise<number> {
      const old = await db
        .selectFrom("usage_periods")
        .select("key")
        .where("key", "like", "r:%")
        .where("last_used_at", "<", before)
        .execute();
      for (const { key } of old) {
        await db.transaction().execute(async (trx) => {
          await trx.deleteFrom("usage_period_customers").where("period_key", "=", key).execute();
          await trx.deleteFrom("usage_period_plans").where("period_key", "=", key).execute();
          await trx.deleteFrom("usage_periods").where("key", "=", key).execute();
        });
      }
      return old.length;
    },

    planSums(key: string) {
      return db
        .selectFrom("usage_period_plans")
        .select(["plan", "customers_with_usage", "verifications", "spent"])
        .where("period_key", "=", key)
        .execute();
    },

    /** Customers by credits spent, most first (ties by external id), only those who spent. */
    async topBySpent(key: string, limit: number): Promise<PeriodCustomer[]> {
      const rows = await db
        .selectFrom("usage_period_customers as u")
        .leftJoin("directory_customers as d", "d.external_id", "u.external_id")
        .select([
          "u.external_id",
          "u.verifications",
          "u.spent",
          "u.plan",
          "d.name",
          "d.plan as dplan",
        ])
        .where("u.period_key", "=", key)
        .where("u.spent", ">", 0)
        .orderBy("u.spent", "desc")
        .orderBy("u.external_id")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        externalId: r.external_id,
        name: r.name,
        plan: r.plan ?? r.dplan,
        verifications: Number(r.verifications),
        spent: Number(r.spent),
      }));
    },

    /** Figures of these customers in the period (missing = no usage), with names and plans. */
    async customers(key: string, ids: readonly string[]): Promise<Map<string, PeriodCustomer>> {
      const out = new Map<string, PeriodCustomer>();
      for (const part of chunks([...new Set(ids)], JSON_BATCH)) {
        const dir = await db
          .selectFrom("directory_customers")
          .select(["external_id", "name", "plan"])
          .where("external_id", "in", jsonList(part))
          .execute();
        for (const d of dir)
          out.set(d.external_id, {
            externalId: d.external_id,
            name: d.name,
            plan: d.plan,
            verifications: 0,
            spent: 0,
          });
        const usage = await db
          .selectFrom("usage_period_customers")
          .select(["external_id", "verifications", "spent", "plan"])
          .where("period_key", "=", key)
          .where("external_id", "in", jsonList(part))
          .execute();
        for (const u of usage) {
          const c = out.get(u.external_id);
          out.set(u.external_id, {
            externalId: u.external_id,
            name: c?.name ?? null,
            plan: u.plan ?? c?.plan ?? null,
            verifications: Number(u.verifications),
            spent: Number(u.spent),
          });
        }
      }
      return out;
    },

    /**
     * Overage candidates the figures point at: customers past their allowance in either period,
     * with a Stripe customer, not flagged in overage by the directory now (those are asked anyway),
     * ranked by credits spent beyond the allowance in `curKey`.
     */
    async pastAllowance(curKey: string, prevKey: string) {
      const rows = await db
        .selectFrom("usage_period_customers as u")
        .innerJoin("directory_customers as d", "d.external_id", "u.external_id")
        .select((eb) => [
          "u.external_id",
          "d.stripe_customer_id",
          eb.fn
            .max(
              eb
                .case()
                .when("u.period_key", "=", curKey)
                .then(sql<number>`u.spent - u.allowance`)
                .else(sql<number>`-u.allowance`)
                .end(),
            )
            .as("excess"),
        ])
        .where("u.period_key", "in", [curKey, prevKey])
        .where("u.over", "=", 1)
        .where("d.stripe_customer_id", "is not", null)
        .where("d.in_overage", "=", 0)
        .groupBy("u.external_id")
        .execute();
      return rows.map((r) => ({
        externalId: r.external_id,
        stripeCustomerId: r.stripe_customer_id ?? "",
        excess: Number(r.excess),
      }));
    },
  };
}
export type UsagePeriodsRepo = ReturnType<typeof usagePeriodsRepo>;
