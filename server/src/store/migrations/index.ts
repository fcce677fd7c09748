/**
 * Migrations in code (ordered by name) so they ship with the server and need no file lookup.
 * Keep them to portable DDL (Kysely's schema builder) so a PostgreSQL store can run the same list.
 */
import type { Kysely } from "kysely";
import type { Migration } from "kysely/migration";
import { sql } from "kysely";
import { createDirectoryFts, pausableDirectoryFts } from "../directory-fts";

export const migrations: Record<string, Migration> = {
  "0001_staff_sessions_audit": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("staff")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("disabled_at", "bigint")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("staff_id", "text", (c) =>
          c.notNull().references("staff.id").onDelete("cascade"),
        )
        .addColumn("csrf_token", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("last_seen_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("sessions_staff").on("sessions").column("staff_id").execute();

      await db.schema
        .createTable("login_attempts")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("bucket", "text", (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("ok", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("login_attempts_bucket_at")
        .on("login_attempts")
        .columns(["bucket", "at"])
        .execute();

      await db.schema
        .createTable("audit_log")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor_id", "text")
        .addColumn("actor_email", "text")
        .addColumn("actor_role", "text")
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target", "text")
        .addColumn("before_json", "text")
        .addColumn("after_json", "text")
        .addColumn("meta_json", "text")
        .addColumn("prev_hash", "text", (c) => c.notNull())
        .addColumn("hash", "text", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
      // Append-only: the log is evidence, so the database itself refuses edits and deletes.
      await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
      await sql`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`.execute(db);
    },
  },
  "0002_directory": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("directory_customers")
        // INTEGER PRIMARY KEY = SQLite's rowid: the FTS index (directory-fts.ts) points at it.
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("external_id", "text", (c) => c.notNull().unique())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("identity_id", "text")
        .addColumn("name", "text")
        .addColumn("email", "text")
        .addColumn("plan", "text")
        .addColumn("stripe_customer_id", "text")
        .addColumn("stripe_match", "text", (c) => c.notNull().defaultTo("none"))
        .addColumn("subscription_status", "text")
        .addColumn("key_count", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("credits_remaining", "bigint")
        .addColumn("credits_allowance", "bigint")
        .addColumn("percent_left", "real")
        .addColumn("status", "text", (c) => c.notNull().defaultTo("no_keys"))
        .addColumn("in_overage", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_refill_at", "bigint")
        .addColumn("burn_per_hour", "real")
        .addColumn("forecast_kind", "text")
        .addColumn("forecast_exhaustion_at", "bigint")
        .addColumn("last_used_at", "bigint")
        .addColumn("flags", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("key_terms", "text", (c) => c.notNull().defaultTo(""))
        .addColumn("seen_run", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("synced_at", "bigint", (c) => c.notNull())
        .execute();
      // The directory sorts nulls last in both directions: `ORDER BY col IS NULL, col [DESC]`.
      // Expression indexes in each direction let a sorted page read its first rows from the
      // index instead of sorting 100k rows (PostgreSQL accepts the same expression indexes).
      for (const col of [
        "name",
        "credits_remaining",
        "percent_left",
        "forecast_exhaustion_at",
        "next_refill_at",
        "last_used_at",
      ]) {
        for (const dir of ["asc", "desc"] as const) {
          await db.schema
            .createIndex(`directory_customers_${col}_${dir}`)
            .on("directory_customers")
            .expression(sql.raw(`(${col} IS NULL), ${col} ${dir.toUpperCase()}`))
            .execute();
        }
      }
      for (const col of ["plan", "status", "stripe_customer_id"]) {
        await db.schema
          .createIndex(`directory_customers_${col}`)
          .on("directory_customers")
          .column(col)
          .execute();
      }

      await db.schema
        .createTable("directory_keys")
        .addColumn("key_id", "text", (c) => c.primaryKey())
        .addColumn("owner", "text", (c) => c.notNull())
        .addColumn("external_id", "text")
        .addColumn("identity_id", "text")
        .addColumn("start", "text", (c) => c.notNull())
        .addColumn("name", "text")
        .addColumn("enabled", "integer", (c) => c.notNull())
        .addColumn("remaining", "bigint")
        .addColumn("refill_interval", "text")
        .addColumn("refill_amount", "bigint")
        .addColumn("refill_day", "integer")
        .addColumn("last_used_at", "bigint")
        .addColumn("next_refill_at", "bigint")
        .addColumn("period_start", "bigint")
        .addColumn("spent_period", "bigint")
        .addColumn("spent_24h", "bigint")
        .addColumn("in_overage", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("seen_run", "integer", (c) => c.notNull())
        .addColumn("synced_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("directory_keys_owner")
        .on("directory_keys")
        .column("owner")
        .execute();

      await db.schema
        .createTable("directory_stripe_customers")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text")
        .addColumn("email", "text")
        .addColumn("unkey_external_id", "text")
        .addColumn("plan", "text")
        .addColumn("subscription_status", "text")
        .addColumn("subscription_rank", "integer")
        .addColumn("seen_run", "integer", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("directory_stripe_customers_ext")
        .on("directory_stripe_customers")
        .column("unkey_external_id")
        .execute();

      await db.schema
        .createTable("sync_runs")
        .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("phase", "text", (c) => c.notNull())
        .addColumn("done", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("total", "integer")
        .addColumn("checkpoint", "text", (c) => c.notNull().defaultTo("{}"))
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("finished_at", "bigint")
        .addColumn("error", "text")
        .addColumn("analytics_as_of", "bigint")
        .addColumn("keys_seen", "integer", (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex("sync_runs_status").on("sync_runs").column("status").execute();

      await createDirectoryFts(db);
    },
  },
  "0003_operations": {
    async up(db: Kysely<unknown>) {
      // One row per staff action (grant, plan change). Written before any upstream call, so a
      // crash at any point leaves a row that says how far the action got.
      await db.schema
        .createTable("operations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("actor_id", "text", (c) => c.notNull())
        .addColumn("actor_email", "text", (c) => c.notNull())
        .addColumn("actor_role", "text", (c) => c.notNull())
        .addColumn("external_id", "text", (c) => c.notNull())
        .addColumn("input_json", "text", (c) => c.notNull())
        .addColumn("steps_json", "text", (c) => c.notNull().defaultTo("{}"))
        .addColumn("error", "text")
        .addColumn("review_reason", "text")
        .addColumn("approval_json", "text")
        .addColumn("amount", "bigint")
        .addColumn("month", "text", (c) => c.notNull())
        .addColumn("claimed_by", "text")
        .addColumn("claimed_until", "bigint")
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("operations_customer")
        .on("operations")
        .columns(["external_id", "created_at"])
        .execute();
      await db.schema.createIndex("operations_state").on("operations").column("state").execute();
      await db.schema
        .createIndex("operations_month")
        .on("operations")
        .columns(["external_id", "month"])
        .execute();
      await db.schema
        .createIndex("audit_log_target")
        .on("audit_log")
        .columns(["target", "at"])
        .execute();
      await db.schema
        .createIndex("audit_log_actor")
        .on("audit_log")
        .columns(["actor_email", "at"])
        .execute();
    },
  },
  "0004_directory_perf": {
    async up(db: Kysely<unknown>) {
      // Sort indexes that also carry the status filter columns (status, in_overage; name sorts
      // also the external_id tiebreak): a sorted page is read in index order and checks its
      // filter without a table read for most rows. Columns the identity upsert and the Stripe
      // join rewrite on every row (plan, name) stay out of the other sort indexes, so a sync
      // does not rewrite all twelve indexes for every customer.
      for (const col of [
        "name",
        "credits_remaining",
        "percent_left",
        "forecast_exhaustion_at",
        "next_refill_at",
        "last_used_at",
      ]) {
        for (const dir of ["asc", "desc"] as const) {
          await db.schema.dropIndex(`directory_customers_${col}_${dir}`).ifExists().execute();
          const tail = col === "name" ? "external_id, status, in_overage" : "status, in_overage";
          await db.schema
            .createIndex(`directory_customers_sort_${col}_${dir}`)
            .on("directory_customers")
            .expression(sql.raw(`(${col} IS NULL), ${col} ${dir.toUpperCase()}, ${tail}`))
            .execute();
        }
      }
      // Counts per filter read only these (covering) indexes.
      for (const col of ["plan", "status"]) {
        await db.schema.dropIndex(`directory_customers_${col}`).ifExists().execute();
      }
      await db.schema
        .createIndex("directory_customers_plan_status")
        .on("directory_customers")
        .columns(["plan", "status", "in_overage"])
        .execute();
      await db.schema
        .createIndex("directory_customers_status_plan")
        .on("directory_customers")
        .columns(["status", "in_overage", "plan"])
        .execute();
    },
  },
  "0005_directory_sort_plan": {
    async up(db: Kysely<unknown>) {
      // The identity's own plan, apart from the effective one (which falls back to the Stripe
      // customer's): the sync can then compute the effective plan once and write it only when
      // it moved, instead of resetting and re-filling it (and every index carrying it) each run.
      await db.schema
        .alterTable("directory_customers")
        .addColumn("identity_plan", "text")
        .execute();
      await sql`UPDATE directory_customers SET identity_plan = plan WHERE kind = 'customer'`.execute(
        db,
      );
      // Sort indexes that carry every filter column (plan too): a filtered, sorted page is an
      // index-only walk. Safe now that sync writes a row's plan only when it changed.
      for (const col of [
        "name",
        "credits_remaining",
        "percent_left",
        "forecast_exhaustion_at",
        "next_refill_at",
        "last_used_at",
      ]) {
        for (const dir of ["asc", "desc"] as const) {
          await db.schema.dropIndex(`directory_customers_sort_${col}_${dir}`).ifExists().execute();
          const tail =
            col === "name" ? "external_id, plan, status, in_overage" : "plan, status, in_overage";
          await db.schema
            .createIndex(`directory_customers_sort_${col}_${dir}`)
            .on("directory_customers")
            .expression(sql.raw(`(${col} IS NULL), ${col} ${dir.toUpperCase()}, ${tail}`))
            .execute();
        }
      }
      await pausableDirectoryFts(db);
    },
  },
  "0006_usage_periods": {
    async up(db: Kysely<unknown>) {
      // The finance page's read model: one period's usage per customer, fetched from Unkey
      // analytics in the background so a page view reads the store, not ClickHouse.
      await db.schema
        .createTable("usage_periods")
        .addColumn("key", "text", (c) => c.primaryKey())
        .addColumn("from_ms", "bigint", (c) => c.notNull())
        .addColumn("to_ms", "bigint", (c) => c.notNull())
        .addColumn("refreshed_at", "bigint", (c) => c.notNull())
        .addColumn("final", "integer", (c) => c.notNull())
        .addColumn("last_used_at", "bigint", (c) => c.notNull())
        .addColumn("source", "text", (c) => c.notNull())
        .addColumn("customers_with_usage", "integer", (c) => c.notNull())
        .addColumn("verifications", "bigint", (c) => c.notNull())
        .addColumn("valid", "bigint", (c) => c.notNull())
        .addColumn("spent", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("usage_period_customers")
        .addColumn("period_key", "text", (c) => c.notNull())
        .addColumn("external_id", "text", (c) => c.notNull())
        .addColumn("verifications", "bigint", (c) => c.notNull())
        .addColumn("valid", "bigint", (c) => c.notNull())
        .addColumn("spent", "bigint", (c) => c.notNull())
        .addColumn("plan", "text")
        .addColumn("allowance", "bigint")
        .addColumn("over", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("usage_period_customers_pk", ["period_key", "external_id"])
        .execute();
      // Top customers by credits spent: an index walk, not a sort of every customer.
      await db.schema
        .createIndex("usage_period_customers_spent")
        .on("usage_period_customers")
        .expression(sql.raw("period_key, spent DESC, external_id"))
        .execute();
      // Overage candidates: the few customers past their allowance.
      await db.schema
        .createIndex("usage_period_customers_over")
        .on("usage_period_customers")
        .columns(["period_key", "external_id"])
        .where(sql.ref("over"), "=", 1)
        .execute();
      await db.schema
        .createTable("usage_period_plans")
        .addColumn("period_key", "text", (c) => c.notNull())
        .addColumn("plan", "text", (c) => c.notNull())
        .addColumn("customers_with_usage", "integer", (c) => c.notNull())
        .addColumn("verifications", "bigint", (c) => c.notNull())
        .addColumn("spent", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("usage_period_plans_pk", ["period_key", "plan"])
        .execute();
    },
  },
  "0007_finance_directory_indexes": {
    async up(db: Kysely<unknown>) {
      // finance.summary's customers and active subscriptions per plan: an index-only scan instead
      // of reading every (wide) directory row; 65 → a few ms at 100k customers.
      await db.schema
        .createIndex("directory_customers_plan_subscription")
        .on("directory_customers")
        .columns(["plan", "subscription_status"])
        .execute();
      // Customers flagged in overage (the Stripe reconciliation's first candidates): a few rows.
      await db.schema
        .createIndex("directory_customers_in_overage")
        .on("directory_customers")
        .columns(["external_id", "stripe_customer_id"])
        .where(sql.ref("in_overage"), "=", 1)
        .execute();
    },
  },
};
