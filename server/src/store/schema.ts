/**
 * Table types of the console's own store. Instants are integer unix milliseconds so the same
 * schema maps onto PostgreSQL (bigint) without date-type differences between dialects.
 */
import type { Generated, Insertable, Selectable } from "kysely";

export const roles = ["admin", "account_manager", "support", "finance"] as const;
export type Role = (typeof roles)[number];

export interface StaffTable {
  id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled_at: number | null;
  created_at: number;
}

export interface SessionTable {
  /** SHA-256 of the cookie token: a leaked database does not yield usable sessions. */
  id: string;
  staff_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  last_seen_at: number;
}

export interface LoginAttemptTable {
  id: Generated<number>;
  /** "email:<lowercased>" or "ip:<address>". */
  bucket: string;
  at: number;
  ok: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  action: string;
  target: string | null;
  before_json: string | null;
  after_json: string | null;
  meta_json: string | null;
  prev_hash: string;
  hash: string;
}

export type DirectoryKind = "customer" | "stripe_only" | "unassigned_key";
export type StripeMatch = "meta" | "metadata" | "none";

/** One row per customer the console knows of (the directory read model). */
export interface DirectoryCustomerTable {
  /** INTEGER PRIMARY KEY: the FTS index reads rows by this rowid. */
  id: Generated<number>;
  /** Identity externalId; `stripe:<cus_…>` for Stripe-only customers; `key:<key_…>` for keys
   * with no identity. */
  external_id: string;
  kind: DirectoryKind;
  identity_id: string | null;
  name: string | null;
  email: string | null;
  plan: string | null;
  /** The identity's own `meta.plan` (plan falls back to Stripe's when it is missing): kept so a
   * sync can tell whether anything changed and skip rewriting unchanged rows. */
  identity_plan: Generated<string | null>;
  stripe_customer_id: string | null;
  stripe_match: Generated<StripeMatch>;
  subscription_status: string | null;
  key_count: Generated<number>;
  /** null = unlimited (some key has no credit limit). */
  credits_remaining: number | null;
  credits_allowance: number | null;
  percent_left: number | null;
  status: Generated<string>;
  in_overage: Generated<number>;
  next_refill_at: number | null;
  burn_per_hour: number | null;
  forecast_kind: string | null;
  forecast_exhaustion_at: number | null;
  last_used_at: number | null;
  /** JSON array of "no_stripe" | "no_keys" | "no_identity". */
  flags: Generated<string>;
  /** Key ids and starts, space-separated: searched through the FTS index. */
  key_terms: Generated<string>;
  /** The sync run that last saw this row; a completed full sync deletes rows it did not see. */
  seen_run: number;
  synced_at: number;
}

export interface DirectoryKeyTable {
  key_id: string;
  /** The directory row this key belongs to (identity externalId, or `key:<key_id>`). */
  owner: string;
  /** Identity externalId; null for keys with no identity. */
  external_id: string | null;
  identity_id: string | null;
  start: string;
  name: string | null;
  enabled: number;
  /** null = unlimited. */
  remaining: number | null;
  refill_interval: string | null;
  refill_amount: number | null;
  refill_day: number | null;
  last_used_at: number | null;
  next_refill_at: number | null;
  /** Start of the key's current refill period (its previous refill instant). */
  period_start: number | null;
  spent_period: number | null;
  spent_24h: number | null;
  in_overage: Generated<number>;
  seen_run: number;
  synced_at: number;
}

/** Stripe customers as last listed, joined to identities when the directory is aggregated. */
export interface DirectoryStripeCustomerTable {
  id: string;
  name: string | null;
  email: string | null;
  unkey_external_id: string | null;
  plan: string | null;
  subscription_status: string | null;
  /** Rank of subscription_status (active first) so the best of several subscriptions wins. */
  subscription_rank: number | null;
  seen_run: number;
}

export interface SyncRunTable {
  id: Generated<number>;
  kind: "full";
  status: "running" | "ok" | "failed" | "interrupted";
  phase: string;
  done: Generated<number>;
  total: number | null;
  /** JSON: the cursor of each finished page per phase, so an interrupted run resumes. */
  checkpoint: Generated<string>;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
  error: string | null;
  /** When the usage figures (burn, overage) were computed upstream; older when served stale. */
  analytics_as_of: number | null;
  keys_seen: Generated<number>;
}

export const operationKinds = ["grant", "plan_change"] as const;
export type OperationKind = (typeof operationKinds)[number];
export const operationStates = [
  "awaiting_approval",
  "pending",
  "unkey_applied",
  "stripe_applied",
  "done",
  "failed",
  "rejected",
  "needs_review",
] as const;
export type OperationState = (typeof operationStates)[number];

export interface OperationTable {
  /** Client-supplied UUID, created when the dialog opens: the idempotency key of the action. */
  id: string;
  kind: OperationKind;
  state: OperationState;
  actor_id: string;
  actor_email: string;
  actor_role: Role;
  external_id: string;
  /** The validated request, canonical JSON (compared field by field on a repeated submit). */
  input_json: string;
  /** Per-step intents and results (JSON), written before and after each upstream call. */
  steps_json: Generated<string>;
  error: string | null;
  /** Why a person must look at it (needs_review) or why approval is needed (awaiting_approval). */
  review_reason: string | null;
  /** {by, role, at, decision, reason} once an admin decided. */
  approval_json: string | null;
  /** Grants: the credits granted (for the monthly limit and the ledger). */
  amount: number | null;
  /** "YYYY-MM" (UTC) of creation: the monthly grant limit sums over it. */
  month: string;
  /** Executor lease: which process runs it and until when (a DB-level claim). */
  claimed_by: string | null;
  claimed_until: number | null;
  version: Generated<number>;
  created_at: number;
  updated_at: number;
}

/**
 * A period's usage per customer as Unkey analytics last reported it (the finance page's read
 * model, services/finance/usage-periods.ts). `key` is `m:YYYY-MM` for a calendar month or
 * `r:<fromMs>:<toMs>` for a custom range.
 */
export interface UsagePeriodTable {
  key: string;
  from_ms: number;
  to_ms: number;
  /** When the figures were fetched from Unkey. */
  refreshed_at: number;
  /** 1 once fetched after the period ended (plus ingestion lag): it no longer changes. */
  final: number;
  last_used_at: number;
  /** "daily" (per-day rollup) or "raw" (raw events; bounds not on UTC midnights). */
  source: string;
  customers_with_usage: number;
  verifications: number;
  valid: number;
  spent: number;
}

export interface UsagePeriodCustomerTable {
  period_key: string;
  external_id: string;
  verifications: number;
  valid: number;
  spent: number;
  /** The customer's plan and summed allowance in the directory when the figures were written. */
  plan: string | null;
  allowance: number | null;
  /** 1 = spent more than its allowance in the period: an overage candidate. */
  over: number;
}

/** Per plan sums of one period (plan "none" = no plan), written with the customer rows. */
export interface UsagePeriodPlanTable {
  period_key: string;
  plan: string;
  customers_with_usage: number;
  verifications: number;
  spent: number;
}

export interface Database {
  usage_periods: UsagePeriodTable;
  usage_period_customers: UsagePeriodCustomerTable;
  usage_period_plans: UsagePeriodPlanTable;
  operations: OperationTable;
  staff: StaffTable;
  sessions: SessionTable;
  login_attempts: LoginAttemptTable;
  audit_log: AuditLogTable;
  directory_customers: DirectoryCustomerTable;
  directory_keys: DirectoryKeyTable;
  directory_stripe_customers: DirectoryStripeCustomerTable;
  sync_runs: SyncRunTable;
}

export type Staff = Selectable<StaffTable>;
export type NewStaff = Insertable<StaffTable>;
export type Session = Selectable<SessionTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type DirectoryCustomer = Selectable<DirectoryCustomerTable>;
export type DirectoryKey = Selectable<DirectoryKeyTable>;
export type SyncRun = Selectable<SyncRunTable>;
export type OperationRow = Selectable<OperationTable>;
