/**
 * The directory read model: customers (identities joined with Stripe, plus the orphans), their
 * keys, and the Stripe customers last listed. Portable SQL through Kysely; the SQLite-specific
 * pieces are FTS5 search (directory-fts.ts) and batches passed as one JSON parameter read with
 * `json_each` / `->>` (`jsonRows` in json-params.ts; PostgreSQL has `json_array_elements` and `->>`).
 */
import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import type { ExpressionBuilder, SelectQueryBuilder } from "kysely";
import { chunks, JSON_BATCH, jsonList, jsonRows } from "./json-params";
import { FTS_MIN_TERM, ftsMatchIds, pauseDirectoryFts, resumeDirectoryFts } from "./directory-fts";
import type { Database, DirectoryCustomer, DirectoryKey, DirectoryKind } from "./schema";

export interface IdentityInput {
  externalId: string;
  identityId: string;
  name: string | null;
  email: string | null;
  plan: string | null;
  stripeCustomerId: string | null;
}

export interface KeyInput {
  keyId: string;
  externalId: string | null;
  identityId: string | null;
  start: string;
  name: string | null;
  enabled: boolean;
  remaining: number | null;
  refill: { interval: string; amount: number; refillDay: number | null } | null;
  lastUsedAt: number | null;
  nextRefillAt: number | null;
  periodStart: number | null;
}

export interface StripeCustomerInput {
  id: string;
  name: string | null;
  email: string | null;
  unkeyExternalId: string | null;
  plan: string | null;
}

export interface KeyUsageUpdate {
  keyId: string;
  spentPeriod: number | null;
  spent24h: number;
  lastTime: number | null;
  inOverage: boolean;
}

export interface CustomerDerivedUpdate {
  id: number;
  keyCount: number;
  creditsRemaining: number | null;
  creditsAllowance: number | null;
  percentLeft: number | null;
  status: string;
  inOverage: boolean;
  nextRefillAt: number | null;
  burnPerHour: number | null;
  forecastKind: string;
  forecastExhaustionAt: number | null;
  lastUsedAt: number | null;
  flags: string[];
  keyTerms: string;
  syncedAt: number;
  /** Only these columns moved (all derived columns when absent). */
  changed?: DerivedColumn[];
}

export const derivedColumns = [
  "key_count",
  "credits_remaining",
  "credits_allowance",
  "percent_left",
  "status",
  "in_overage",
  "next_refill_at",
  "burn_per_hour",
  "forecast_kind",
  "forecast_exhaustion_at",
  "last_used_at",
  "flags",
  "key_terms",
] as const;
export type DerivedColumn = (typeof derivedColumns)[number];

/** A derived update as column values (what `updateDerived` writes). */
export function derivedValues(d: CustomerDerivedUpdate): Record<DerivedColumn, unknown> {
  return {
    key_count: d.keyCount,
    credits_remaining: d.creditsRemaining,
    credits_allowance: d.creditsAllowance,
    percent_left: d.percentLeft,
    status: d.status,
    in_overage: d.inOverage ? 1 : 0,
    next_refill_at: d.nextRefillAt,
    burn_per_hour: d.burnPerHour,
    forecast_kind: d.forecastKind,
    forecast_exhaustion_at: d.forecastExhaustionAt,
    last_used_at: d.lastUsedAt,
    flags: JSON.stringify(d.flags),
    key_terms: d.keyTerms,
  };
}

export interface OwnerAggregate {
  owner: string;
  keyCount: number;
  unlimitedKeys: number;
  remainingSum: number;
  allowanceSum: number | null;
  spent24h: number | null;
  nextRefillAt: number | null;
  lastUsedAt: number | null;
  inOverage: boolean;
  keyTerms: string;
}

export const directoryStatuses = ["healthy", "low", "exhausted", "unlimited", "no_keys"] as const;

export interface DirectoryFilter {
  q?: string | undefined;
  plans?: string[] | undefined;
  statuses?: ((typeof directoryStatuses)[number] | "overage")[] | undefined;
}

export type DirectorySortColumn =
  | "name"
  | "credits_remaining"
  | "percent_left"
  | "forecast_exhaustion_at"
  | "next_refill_at"
  | "last_used_at";

/** Synthetic directory ids for rows that have no identity. */
export const stripeOnlyId = (stripeCustomerId: string) => `stripe:${stripeCustomerId}`;
export const unassignedKeyId = (keyId: string) => `key:${keyId}`;

/** LIKE pattern for a literal substring (escape character `\`). */
export function likeContains(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const BATCH = 400; // rows per multi-row statement: under SQLite's 32k bound-parameter limit
const KEY_COLUMNS = [
  "key_id",
  "owner",
  "external_id",
  "identity_id",
  "start",
  "name",
  "enabled",
  "remaining",
  "refill_interval",
  "refill_amount",
  "refill_day",
  "last_used_at",
  "next_refill_at",
  "period_start",
] as const;

/** A key upsert rewrites a stored key (and its owner index entry) only when a value moved. */
const keyDiffers = sql<SqlBool>`${sql.raw(
  KEY_COLUMNS.filter((c) => c !== "key_id")
    .map((c) => `directory_keys.${c} IS NOT excluded.${c}`)
    .join(" OR "),
)}`;

const IDENTITY_COLUMNS = [
  "external_id",
  "identity_id",
  "name",
  "email",
  "plan",
  "stripe_customer_id",
] as const;

const STRIPE_COLUMNS = ["id", "name", "email", "unkey_external_id", "plan"] as const;

type CustomerEb = ExpressionBuilder<Database, "directory_customers">;

/**
 * `scan`: the plan/status tests are written so no index serves them (`plan || ''`), which makes
 * the planner walk the covering sort index in order instead of collecting every row of the
 * filter and sorting them all (what it picks otherwise, even with statistics).
 */
function filterExpr(eb: CustomerEb, f: DirectoryFilter, scan = false): Expression<SqlBool> {
  const ref = (c: "plan" | "status") => (scan ? sql<string>`${sql.ref(c)} || ''` : eb.ref(c));
  const parts: Expression<SqlBool>[] = [];
  const q = f.q?.trim();
  if (q) {
    if (q.length >= FTS_MIN_TERM) {
      // `id + 0`: many matches are better checked against the materialized match list while
      // walking the sort index than looked up one by one and sorted.
      parts.push(eb(scan ? sql<number>`id + 0` : eb.ref("id"), "in", ftsMatchIds(q)));
    } else {
      // Trigram cannot match 1–2 characters: scan with LIKE (fast enough; short terms are rare).
      const pattern = likeContains(q);
      const like = (col: string) => sql<SqlBool>`${sql.ref(col)} LIKE ${pattern} ESCAPE '\\'`;
      parts.push(
        eb.or([
          like("name"),
          like("email"),
          like("external_id"),
          like("identity_id"),
          like("stripe_customer_id"),
          like("key_terms"),
        ]),
      );
    }
  }
  if (f.plans && f.plans.length > 0) parts.push(eb(ref("plan"), "in", f.plans));
  if (f.statuses && f.statuses.length > 0) {
    const plain = f.statuses.filter((s) => s !== "overage");
    const ors: Expression<SqlBool>[] = [];
    if (plain.length > 0) ors.push(eb(ref("status"), "in", plain));
    if (f.statuses.includes("overage")) {
      ors.push(eb(scan ? sql<number>`in_overage + 0` : eb.ref("in_overage"), "=", 1));
    }
    parts.push(eb.or(ors));
  }
  return eb.and(parts);
}

/** Below this many matching rows, collecting and sorting them all beats walking a sort index. */
const SORT_SCAN_MIN = 5000;

/**
 * Counts per filter, valid until the next write through any directory repository on the same
 * database (the generation moves before and after every write, so a count computed while a
 * write was under way is never served).
 */
const countCaches = new WeakMap<object, { gen: number; counts: Map<string, number> }>();
const WRITES = [
  "upsertIdentities",
  "upsertKeys",
  "ensureKeyOwners",
  "upsertStripeCustomers",
  "resetSubscriptions",
  "applySubscriptions",
  "joinStripe",
  "resetUsage",
  "applyUsage",
  "updateDerived",
  "deleteUnseen",
  "deleteOwnerKeysExcept",
  "deleteCustomer",
  "resumeSearchIndex",
] as const;

function countKey(f: DirectoryFilter): string {
  const sorted = (a: readonly string[] | undefined) => (a ? [...new Set(a)].sort() : []);
  return JSON.stringify([f.q?.trim() ?? "", sorted(f.plans), sorted(f.statuses)]);
}

export function directoryRepo(db: Kysely<Database>) {
  let cache = countCaches.get(db);
  if (!cache) {
    cache = { gen: 0, counts: new Map() };
    countCaches.set(db, cache);
  }
  const counts = cache;
  const bump = () => {
    counts.gen++;
    counts.counts.clear();
  };
  const repo = {
    async upsertIdentities(runId: number, now: number, items: IdentityInput[]): Promise<void> {
      if (items.length === 0) return;
      // A metadata match found earlier survives until the next join re-checks it.
      const stripeId = `CASE WHEN excluded.stripe_customer_id IS NOT NULL
        THEN excluded.stripe_customer_id
        WHEN directory_customers.stripe_match = 'metadata' THEN directory_customers.stripe_customer_id
        ELSE NULL END`;
      const stripeMatch = `CASE WHEN excluded.stripe_customer_id IS NOT NULL THEN 'meta'
        WHEN directory_customers.stripe_match = 'metadata' THEN 'metadata'
        ELSE 'none' END`;
      // The effective plan: the identity's own, else its Stripe customer's (what the join sets).
      const plan = `COALESCE(excluded.identity_plan, (SELECT s.plan FROM directory_stripe_customers s
        WHERE s.id = ${stripeId}))`;
      // Only rows whose values moved are rewritten (with their sort and search indexes); the
      // rest only get their run id and sync time, which no index carries.
      const differs = sql.raw(`directory_customers.kind IS NOT excluded.kind
        OR directory_customers.identity_id IS NOT excluded.identity_id
        OR directory_customers.name IS NOT excluded.name
        OR directory_customers.email IS NOT excluded.email
        OR directory_customers.identity_plan IS NOT excluded.identity_plan
        OR directory_customers.plan IS NOT ${plan}
        OR directory_customers.stripe_customer_id IS NOT ${stripeId}
        OR directory_customers.stripe_match IS NOT ${stripeMatch}`);
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(items, JSON_BATCH)) {
          const rows = part.map((i) => [
            i.externalId,
            i.identityId,
            i.name,
            i.email,
            i.plan,
            i.stripeCustomerId,
          ]);
          await sql`INSERT INTO directory_customers (external_id, kind, identity_id, name, email,
              plan, identity_plan, stripe_customer_id, stripe_match, seen_run, synced_at)
            SELECT u.external_id, 'customer', u.identity_id, u.name, u.email, u.plan, u.plan,
              u.stripe_customer_id,
              CASE WHEN u.stripe_customer_id IS NOT NULL THEN 'meta' ELSE 'none' END,
              ${runId}, ${now}
            FROM ${jsonRows(rows, IDENTITY_COLUMNS)} AS u WHERE true
            ON CONFLICT (external_id) DO UPDATE SET
              kind = excluded.kind,
              identity_id = excluded.identity_id,
              name = excluded.name,
              email = excluded.email,
              identity_plan = excluded.identity_plan,
              plan = ${sql.raw(plan)},
              stripe_customer_id = ${sql.raw(stripeId)},
              stripe_match = ${sql.raw(stripeMatch)},
              seen_run = excluded.seen_run,
              synced_at = excluded.synced_at
            WHERE ${differs}`.execute(trx);
          await trx
            .updateTable("directory_customers")
            .set({ seen_run: runId, synced_at: now })
            .where("external_id", "in", jsonList(part.map((i) => i.externalId)))
            .where((eb) => eb.or([eb("seen_run", "<>", runId), eb("synced_at", "<>", now)]))
            .execute();
        }
      });
    },

    /** Writes one page of keys; keys with no identity get their own `unassigned_key` row. */
    async upsertKeys(runId: number, now: number, items: KeyInput[]): Promise<void> {
      if (items.length === 0) return;
      const cols = sql.raw(KEY_COLUMNS.join(", "));
      const sets = sql.raw(
        KEY_COLUMNS.slice(1)
          .map((c) => `${c} = excluded.${c}`)
          .join(", "),
      );
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(items, JSON_BATCH)) {
          const rows = part.map((k) => [
            k.keyId,
            k.externalId ?? unassignedKeyId(k.keyId),
            k.externalId,
            k.identityId,
            k.start,
            k.name,
            k.enabled ? 1 : 0,
            k.remaining,
            k.refill?.interval ?? null,
            k.refill?.amount ?? null,
            k.refill?.refillDay ?? null,
            k.lastUsedAt,
            k.nextRefillAt,
            k.periodStart,
          ]);
          await sql`INSERT INTO directory_keys (${cols}, seen_run, synced_at)
            SELECT ${cols}, ${runId}, ${now} FROM ${jsonRows(rows, KEY_COLUMNS)} WHERE true
            ON CONFLICT (key_id) DO UPDATE SET ${sets},
              seen_run = excluded.seen_run, synced_at = excluded.synced_at
            WHERE ${keyDiffers}`.execute(trx);
          // Unchanged keys only get this run's id (no index carries it).
          await trx
            .updateTable("directory_keys")
            .set({ seen_run: runId, synced_at: now })
            .where("key_id", "in", jsonList(part.map((k) => k.keyId)))
            .where((eb) => eb.or([eb("seen_run", "<>", runId), eb("synced_at", "<>", now)]))
            .execute();
          const loose = part.filter((k) => k.externalId === null);
          if (loose.length > 0) {
            await sql`INSERT INTO directory_customers (external_id, kind, name, seen_run, synced_at)
              SELECT u.external_id, 'unassigned_key', u.name, ${runId}, ${now}
              FROM ${jsonRows(
                loose.map((k) => [unassignedKeyId(k.keyId), k.name]),
                ["external_id", "name"],
              )} AS u WHERE true
              ON CONFLICT (external_id) DO UPDATE SET
                name = excluded.name, seen_run = excluded.seen_run
              WHERE directory_customers.name IS NOT excluded.name`.execute(trx);
            await trx
              .updateTable("directory_customers")
              .set({ seen_run: runId })
              .where("external_id", "in", jsonList(loose.map((k) => unassignedKeyId(k.keyId))))
              .where("seen_run", "<>", runId)
              .execute();
          }
        }
      });
    },

    /**
     * Keys pointing at an identity the identity list did not return (deleted meanwhile, or
     * listed after the identity phase) still get a customer row, so no key is dropped.
     */
    async ensureKeyOwners(runId: number, now: number, owner?: string): Promise<number> {
      let q = db
        .selectFrom("directory_keys as k")
        .select(["k.owner", "k.identity_id"])
        .where("k.external_id", "is not", null)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom("directory_customers as c")
                .select("c.id")
                .whereRef("c.external_id", "=", "k.owner"),
            ),
          ),
        )
        .groupBy(["k.owner", "k.identity_id"]);
      if (owner !== undefined) q = q.where("k.owner", "=", owner);
      const missing = await q.execute();
      for (const part of chunks(missing, BATCH)) {
        await db
          .insertInto("directory_customers")
          .values(
            part.map((m) => ({
              external_id: m.owner,
              kind: "customer" as const,
              identity_id: m.identity_id,
              seen_run: runId,
              synced_at: now,
            })),
          )
          .onConflict((oc) => oc.column("external_id").doNothing())
          .execute();
      }
      return missing.length;
    },

    async upsertStripeCustomers(runId: number, items: StripeCustomerInput[]): Promise<void> {
      if (items.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(items, JSON_BATCH)) {
          const rows = part.map((c) => [c.id, c.name, c.email, c.unkeyExternalId, c.plan]);
          await sql`INSERT INTO directory_stripe_customers
              (id, name, email, unkey_external_id, plan, seen_run)
            SELECT u.id, u.name, u.email, u.unkey_external_id, u.plan, ${runId}
            FROM ${jsonRows(rows, STRIPE_COLUMNS)} AS u WHERE true
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email,
              unkey_external_id = excluded.unkey_external_id, plan = excluded.plan,
              seen_run = excluded.seen_run`.execute(trx);
        }
      });
    },

    /** Subscription statuses arrive before or after a run resets them: `runId` marks fresh ones. */
    async resetSubscriptions(customerId?: string): Promise<void> {
      let q = db
        .updateTable("directory_stripe_customers")
        .set({ subscription_status: null, subscription_rank: null });
      if (customerId !== undefined) q = q.where("id", "=", customerId);
      await q.execute();
    },

    async applySubscriptions(
      items: { customerId: string; status: string; rank: number }[],
    ): Promise<void> {
      if (items.length === 0) return;
      // The best-ranked subscription (active first) describes the customer: the first of the
      // lowest rank per customer in this batch, then only if it beats what is stored.
      const best = new Map<string, { customerId: string; status: string; rank: number }>();
      for (const s of items) {
        const b = best.get(s.customerId);
        if (!b || s.rank < b.rank) best.set(s.customerId, s);
      }
      const rows = [...best.values()].map((s) => [s.customerId, s.status, s.rank]);
      await sql`UPDATE directory_stripe_customers
        SET subscription_status = u.status, subscription_rank = u.rank
        FROM ${jsonRows(rows, ["id", "status", "rank"])} AS u
        WHERE directory_stripe_customers.id = u.id
          AND (directory_stripe_customers.subscription_rank IS NULL
            OR directory_stripe_customers.subscription_rank > u.rank)`.execute(db);
    },

    /**
     * Joins identities to Stripe customers (identity meta first, then the Stripe customer's
     * `metadata.unkey_external_id`), copies subscription status and a fallback plan, and gives
     * every Stripe customer no identity claims its own `stripe_only` row.
     */
    async joinStripe(runId: number, now: number, owner?: string): Promise<void> {
      const ownerCond = owner === undefined ? sql`1 = 1` : sql`external_id = ${owner}`;
      await db.transaction().execute(async (trx) => {
        await sql`UPDATE directory_customers SET
            stripe_customer_id = (SELECT min(s.id) FROM directory_stripe_customers s
              WHERE s.unkey_external_id = directory_customers.external_id),
            stripe_match = 'metadata'
          WHERE kind = 'customer' AND stripe_match <> 'meta' AND ${ownerCond}
            AND EXISTS (SELECT 1 FROM directory_stripe_customers s
              WHERE s.unkey_external_id = directory_customers.external_id)
            AND (stripe_match <> 'metadata' OR stripe_customer_id IS NOT
              (SELECT min(s.id) FROM directory_stripe_customers s
                WHERE s.unkey_external_id = directory_customers.external_id))`.execute(trx);
        await sql`UPDATE directory_customers SET stripe_customer_id = NULL, stripe_match = 'none'
          WHERE kind = 'customer' AND stripe_match = 'metadata' AND ${ownerCond}
            AND NOT EXISTS (SELECT 1 FROM directory_stripe_customers s
              WHERE s.unkey_external_id = directory_customers.external_id)`.execute(trx);
        // Each column only where it moved: plan is in every sort index.
        const status = sql`(SELECT s.subscription_status FROM directory_stripe_customers s
              WHERE s.id = directory_customers.stripe_customer_id)`;
        await sql`UPDATE directory_customers SET subscription_status = ${status}
          WHERE kind = 'customer' AND ${ownerCond}
            AND subscription_status IS NOT ${status}`.execute(trx);
        const plan = sql`COALESCE(identity_plan, (SELECT s.plan FROM directory_stripe_customers s
              WHERE s.id = directory_customers.stripe_customer_id))`;
        await sql`UPDATE directory_customers SET plan = ${plan}
          WHERE kind = 'customer' AND ${ownerCond} AND plan IS NOT ${plan}`.execute(trx);
        // A Stripe customer now claimed by an identity no longer needs its own row.
        await sql`DELETE FROM directory_customers WHERE kind = 'stripe_only'
          AND stripe_customer_id IN (SELECT stripe_customer_id FROM directory_customers
            WHERE kind = 'customer' AND stripe_customer_id IS NOT NULL)`.execute(trx);
        if (owner !== undefined) return;
        await sql`INSERT INTO directory_customers
            (external_id, kind, name, email, plan, stripe_customer_id, stripe_match,
             subscription_status, status, flags, seen_run, synced_at)
          SELECT 'stripe:' || s.id, 'stripe_only', s.name, s.email, s.plan, s.id, 'none',
            s.subscription_status, 'no_keys', '["no_identity"]', ${runId}, ${now}
          FROM directory_stripe_customers s
          WHERE NOT EXISTS (SELECT 1 FROM directory_customers c
            WHERE c.kind = 'customer' AND c.stripe_customer_id = s.id)
          ON CONFLICT (external_id) DO UPDATE SET name = excluded.name, email = excluded.email,
            plan = excluded.plan, subscription_status = excluded.subscription_status,
            seen_run = excluded.seen_run, synced_at = excluded.synced_at
          WHERE directory_customers.name IS NOT excluded.name
            OR directory_customers.email IS NOT excluded.email
            OR directory_customers.plan IS NOT excluded.plan
            OR directory_customers.subscription_status IS NOT excluded.subscription_status`.execute(
          trx,
        );
        // Unchanged rows still count as seen by this run.
        await sql`UPDATE directory_customers SET seen_run = ${runId}, synced_at = ${now}
          WHERE kind = 'stripe_only' AND (seen_run <> ${runId} OR synced_at <> ${now})
            AND EXISTS (SELECT 1 FROM directory_stripe_customers s
              WHERE s.id = directory_customers.stripe_customer_id)`.execute(trx);
      });
    },

    /** Distinct refill-period starts of the keys in scope (all, or one owner's). */
    async periodStarts(owner?: string): Promise<number[]> {
      let q = db
        .selectFrom("directory_keys")
        .select("period_start")
        .distinct()
        .where("period_start", "is not", null);
      if (owner !== undefined) q = q.where("owner", "=", owner);
      const rows = await q.orderBy("period_start").execute();
      return rows.map((r) => Number(r.period_start));
    },

    async keysByIds(keyIds: string[]) {
      const out: Pick<
        DirectoryKey,
        "key_id" | "period_start" | "remaining" | "refill_amount" | "last_used_at"
      >[] = [];
      for (const part of chunks(keyIds, JSON_BATCH * 10)) {
        out.push(
          ...(await db
            .selectFrom("directory_keys")
            .select(["key_id", "period_start", "remaining", "refill_amount", "last_used_at"])
            .where("key_id", "in", jsonList(part))
            .execute()),
        );
      }
      return out;
    },

    /** Before fresh usage figures land: keys with no verifications in the window spent nothing. */
    async resetUsage(owner?: string): Promise<void> {
      let q = db
        .updateTable("directory_keys")
        .set({ spent_24h: 0, spent_period: 0, in_overage: 0 });
      if (owner !== undefined) q = q.where("owner", "=", owner);
      await q.execute();
    },

    /**
     * Stores one page of usage figures. With `reset`, first zeroes the figures of the keys in
     * scope whose id lies in (`after`, `upTo`] (null = open end), in the same transaction: the
     * usage question pages in key-id order, so each page replaces exactly its own slice of the
     * key space (keys in it with no verifications spent nothing), and a pass that stops early
     * leaves the keys after it with their previous figures, never with zeros.
     */
    async applyUsage(
      items: KeyUsageUpdate[],
      reset?: { owner?: string | undefined; after: string | null; upTo: string | null },
    ): Promise<void> {
      if (items.length === 0 && !reset) return;
      await db.transaction().execute(async (trx) => {
        if (reset) {
          let q = trx
            .updateTable("directory_keys")
            .set({ spent_24h: 0, spent_period: 0, in_overage: 0 })
            // Only rows that hold figures: most keys of a quiet slice already read 0.
            .where(
              sql<SqlBool>`(spent_24h IS NOT 0 OR spent_period IS NOT 0 OR in_overage IS NOT 0)`,
            );
          if (reset.owner !== undefined) q = q.where("owner", "=", reset.owner);
          if (reset.after !== null) q = q.where("key_id", ">", reset.after);
          if (reset.upTo !== null) q = q.where("key_id", "<=", reset.upTo);
          await q.execute();
        }
        // One statement per chunk: the figures travel as one JSON array parameter.
        for (const part of chunks(items, 2000)) {
          const rows = JSON.stringify(
            part.map((u) => [u.keyId, u.spent24h, u.spentPeriod, u.lastTime, u.inOverage ? 1 : 0]),
          );
          await sql`UPDATE directory_keys SET
              spent_24h = u.spent_24h,
              spent_period = u.spent_period,
              in_overage = u.in_overage,
              -- Unkey stamps lastUsedAt on keys; analytics fills it where a key lacks it.
              last_used_at = CASE WHEN u.last_time IS NULL THEN directory_keys.last_used_at
                ELSE max(coalesce(directory_keys.last_used_at, 0), u.last_time) END
            FROM (SELECT value ->> 0 AS key_id, value ->> 1 AS spent_24h,
                value ->> 2 AS spent_period, value ->> 3 AS last_time, value ->> 4 AS in_overage
              FROM json_each(${rows})) AS u
            WHERE directory_keys.key_id = u.key_id`.execute(trx);
        }
      });
    },

    /** A page of customer rows in id order (the derive pass walks the table with it). */
    customersAfter(afterId: number, limit: number, owner?: string) {
      let q = db
        .selectFrom("directory_customers")
        .selectAll()
        .where("id", ">", afterId)
        .orderBy("id")
        .limit(limit);
      if (owner !== undefined) q = q.where("external_id", "=", owner);
      return q.execute();
    },

    async aggregates(owners: string[]): Promise<Map<string, OwnerAggregate>> {
      const out = new Map<string, OwnerAggregate>();
      for (const part of chunks(owners, JSON_BATCH)) {
        const rows = await db
          .selectFrom("directory_keys")
          .select((eb) => [
            "owner",
            eb.fn.countAll<number>().as("key_count"),
            sql<number>`sum(CASE WHEN remaining IS NULL THEN 1 ELSE 0 END)`.as("unlimited"),
            sql<number>`coalesce(sum(remaining), 0)`.as("remaining_sum"),
            sql<number | null>`sum(refill_amount)`.as("allowance_sum"),
            sql<number | null>`sum(spent_24h)`.as("spent_24h"),
            sql<number | null>`min(next_refill_at)`.as("next_refill_at"),
            sql<number | null>`max(last_used_at)`.as("last_used_at"),
            sql<number>`max(in_overage)`.as("in_overage"),
            sql<string>`group_concat(key_id || ' ' || start, ' ')`.as("key_terms"),
          ])
          .where("owner", "in", jsonList(part))
          .groupBy("owner")
          .execute();
        for (const r of rows) {
          out.set(r.owner, {
            owner: r.owner,
            keyCount: Number(r.key_count),
            unlimitedKeys: Number(r.unlimited),
            remainingSum: Number(r.remaining_sum),
            allowanceSum: r.allowance_sum === null ? null : Number(r.allowance_sum),
            spent24h: r.spent_24h === null ? null : Number(r.spent_24h),
            nextRefillAt: r.next_refill_at === null ? null : Number(r.next_refill_at),
            lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
            inOverage: Number(r.in_overage) === 1,
            keyTerms: r.key_terms,
          });
        }
      }
      return out;
    },

    /**
     * Writes derived figures in batches. An item's `changed` (column names) limits the write to
     * those columns, so unchanged figures leave their sort indexes alone; items are grouped by
     * the set of columns they change, one statement per group and chunk.
     */
    async updateDerived(items: CustomerDerivedUpdate[]): Promise<void> {
      if (items.length === 0) return;
      const groups = new Map<string, { cols: DerivedColumn[]; rows: unknown[][] }>();
      for (const d of items) {
        const cols = d.changed ?? derivedColumns;
        const key = cols.join(",");
        let g = groups.get(key);
        if (!g) {
          g = { cols: [...cols], rows: [] };
          groups.set(key, g);
        }
        const v = derivedValues(d);
        g.rows.push([d.id, d.syncedAt, ...g.cols.map((c) => v[c])]);
      }
      await db.transaction().execute(async (trx) => {
        for (const g of groups.values()) {
          const sets = g.cols.map((c, i) => `${c} = u.value ->> ${i + 2}`);
          const assign = sql.raw([...sets, "synced_at = u.value ->> 1"].join(", "));
          for (const part of chunks(g.rows, 2000)) {
            await sql`UPDATE directory_customers SET ${assign}
              FROM json_each(${JSON.stringify(part)}) AS u
              WHERE directory_customers.id = u.value ->> 0`.execute(trx);
          }
        }
      });
    },

    /** After a complete full sync: whatever that run did not see is gone upstream. */
    async deleteUnseen(runId: number): Promise<{ customers: number; keys: number }> {
      return db.transaction().execute(async (trx) => {
        const keys = await trx
          .deleteFrom("directory_keys")
          .where("seen_run", "<", runId)
          .executeTakeFirst();
        const customers = await trx
          .deleteFrom("directory_customers")
          .where("seen_run", "<", runId)
          .executeTakeFirst();
        await trx.deleteFrom("directory_stripe_customers").where("seen_run", "<", runId).execute();
        return { customers: Number(customers.numDeletedRows), keys: Number(keys.numDeletedRows) };
      });
    },

    /** Per-customer refresh: keys the identity no longer has, and the row itself when gone. */
    async deleteOwnerKeysExcept(owner: string, keep: string[]): Promise<void> {
      let q = db.deleteFrom("directory_keys").where("owner", "=", owner);
      if (keep.length > 0) q = q.where("key_id", "not in", keep);
      await q.execute();
    },
    async deleteCustomer(externalId: string): Promise<void> {
      await db.deleteFrom("directory_keys").where("owner", "=", externalId).execute();
      await db.deleteFrom("directory_customers").where("external_id", "=", externalId).execute();
    },

    /** Full sync: per-row search-index upkeep off, then one rebuild (if anything changed). */
    pauseSearchIndex(): Promise<void> {
      return pauseDirectoryFts(db as Kysely<unknown>);
    },
    async resumeSearchIndex(): Promise<boolean> {
      return resumeDirectoryFts(db as Kysely<unknown>);
    },

    /**
     * Full sync: caps SQLite's page cache of this connection at `kib` while the sync runs and
     * returns the function that puts the previous size back. A full sync walks every page about
     * once, so a big cache buys it little, and the cache it fills stays resident (better-sqlite3
     * defaults to 16 MB). SQLite-specific (PRAGMA); a PostgreSQL store would make it a no-op.
     */
    async limitPageCache(kib: number): Promise<() => Promise<void>> {
      const r = await sql<{ cache_size: number }>`PRAGMA cache_size`.execute(db);
      const previous = Number(r.rows[0]?.cache_size ?? -2000);
      const size = -Math.max(1, Math.round(kib));
      if (previous < 0 && previous >= size) return () => Promise.resolve(); // already as small
      await sql.raw(`PRAGMA cache_size = ${size}`).execute(db);
      return async () => {
        await sql.raw(`PRAGMA cache_size = ${Math.trunc(previous)}`).execute(db);
      };
    },

    byExternalId(externalId: string): Promise<DirectoryCustomer | undefined> {
      return db
        .selectFrom("directory_customers")
        .selectAll()
        .where("external_id", "=", externalId)
        .executeTakeFirst();
    },
    keysOf(owner: string): Promise<DirectoryKey[]> {
      return db.selectFrom("directory_keys").selectAll().where("owner", "=", owner).execute();
    },

    async list(
      f: DirectoryFilter & {
        sort: DirectorySortColumn;
        dir: "asc" | "desc";
        offset: number;
        limit: number;
      },
    ): Promise<DirectoryCustomer[]> {
      const dir = f.dir === "asc" ? sql`ASC` : sql`DESC`;
      const col = sql.ref(f.sort);
      // Nulls last in both directions, then a total order so pages never overlap. Sorting by
      // name already orders by name, so its tiebreak is external_id alone (the same order).
      const order = <Q extends SelectQueryBuilder<Database, "directory_customers", object>>(
        q: Q,
      ): Q => {
        let o = q.orderBy(sql`${col} IS NULL`).orderBy(sql`${col} ${dir}`);
        if (f.sort !== "name") o = o.orderBy(sql`name IS NULL`).orderBy("name");
        return o.orderBy("external_id") as Q;
      };
      // The page's ids come from an index-only scan of the sort index (which carries the
      // filter columns); only those rows are then read from the table.
      const filtered =
        (f.plans?.length ?? 0) > 0 ||
        (f.statuses?.length ?? 0) > 0 ||
        (f.q?.trim().length ?? 0) >= FTS_MIN_TERM;
      const scan = filtered && (await repo.count(f)) >= SORT_SCAN_MIN;
      const ids = order(
        db
          .selectFrom("directory_customers")
          .select("id")
          .where((eb) => filterExpr(eb, f, scan)),
      )
        .offset(f.offset)
        .limit(f.limit);
      return order(
        db.selectFrom("directory_customers").selectAll().where("id", "in", ids),
      ).execute();
    },

    async count(f: DirectoryFilter): Promise<number> {
      const key = countKey(f);
      const gen = counts.gen;
      const hit = counts.counts.get(key);
      if (hit !== undefined) return hit;
      const r = await db
        .selectFrom("directory_customers")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where((eb) => filterExpr(eb, f))
        .executeTakeFirstOrThrow();
      const n = Number(r.n);
      if (counts.gen === gen) {
        if (counts.counts.size >= 256) counts.counts.clear();
        counts.counts.set(key, n);
      }
      return n;
    },

    async lastSyncedAt(): Promise<number | null> {
      const r = await db
        .selectFrom("directory_customers")
        .select((eb) => eb.fn.max("synced_at").as("at"))
        .executeTakeFirst();
      return r?.at === null || r?.at === undefined ? null : Number(r.at);
    },

    kinds(): Promise<{ kind: DirectoryKind; n: number }[]> {
      return db
        .selectFrom("directory_customers")
        .select((eb) => ["kind", eb.fn.countAll<number>().as("n")])
        .groupBy("kind")
        .execute();
    },
  };
  for (const name of WRITES) {
    const write = (repo[name] as (...args: unknown[]) => Promise<unknown>).bind(repo);
    (repo as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      bump();
      try {
        return await write(...args);
      } finally {
        bump();
      }
    };
  }
  return repo;
}
export type DirectoryRepo = ReturnType<typeof directoryRepo>;
