/**
 * Read-only questions the finance page asks of the directory read model, each answered by SQL
 * (an index walk or one grouped scan) instead of reading every customer into memory: at 100k
 * customers a full read of the directory was the largest local cost of a finance view.
 */
import type { Kysely } from "kysely";
import type { Database, DirectoryCustomer } from "./schema";

export type AtRiskRow = Pick<
  DirectoryCustomer,
  | "external_id"
  | "name"
  | "plan"
  | "status"
  | "credits_remaining"
  | "burn_per_hour"
  | "forecast_exhaustion_at"
  | "next_refill_at"
>;

const atRiskColumns = [
  "external_id",
  "name",
  "plan",
  "status",
  "credits_remaining",
  "burn_per_hour",
  "forecast_exhaustion_at",
  "next_refill_at",
] as const;

export function financeReadRepo(db: Kysely<Database>) {
  return {
    /** Customers and active subscriptions per plan (null plan = "none"). */
    async planCounts(): Promise<{ plan: string; customers: number; active: number }[]> {
      const rows = await db
        .selectFrom("directory_customers")
        .select((eb) => [
          eb.fn.coalesce("plan", eb.val("none")).as("plan"),
          eb.fn.countAll<number>().as("customers"),
          eb.fn
            .sum<number>(eb.case().when("subscription_status", "=", "active").then(1).else(0).end())
            .as("active"),
        ])
        .groupBy("plan")
        .execute();
      return rows.map((r) => ({
        plan: r.plan,
        customers: Number(r.customers),
        active: Number(r.active),
      }));
    },

    /** Customers the directory flags as in overage now, with a Stripe customer to ask. */
    flaggedInOverage() {
      return db
        .selectFrom("directory_customers")
        .select(["external_id", "stripe_customer_id"])
        .where("in_overage", "=", 1)
        .where("stripe_customer_id", "is not", null)
        .execute();
    },

    /** Exhausted now, by name. */
    exhausted(limit: number): Promise<AtRiskRow[]> {
      return db
        .selectFrom("directory_customers")
        .select(atRiskColumns)
        .where("status", "=", "exhausted")
        .orderBy("name")
        .orderBy("external_id")
        .limit(limit)
        .execute();
    },

    /** Not exhausted, forecast to run out before the next refill: soonest first. The read model
     * stores an exhaustion instant only for such a forecast. */
    runningOut(limit: number): Promise<AtRiskRow[]> {
      return db
        .selectFrom("directory_customers")
        .select(atRiskColumns)
        .where("forecast_exhaustion_at", "is not", null)
        .where("status", "!=", "exhausted")
        .orderBy("forecast_exhaustion_at")
        .orderBy("external_id")
        .limit(limit)
        .execute();
    },

    async lastSyncedAt(): Promise<number | null> {
      const r = await db
        .selectFrom("directory_customers")
        .select((eb) => eb.fn.max("synced_at").as("at"))
        .executeTakeFirst();
      return r?.at ? Number(r.at) : null;
    },
  };
}
export type FinanceReadRepo = ReturnType<typeof financeReadRepo>;
