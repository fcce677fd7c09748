/**
 * The emulator's tables (all prefixed `unkey_`). Verifications are kept raw plus two materialised
 * rollups (per day, per month): those two are small and answer month-scale analytics in
 * milliseconds. Per-minute and per-hour rollups are not stored: they would be nearly as large as
 * the raw table (a key rarely verifies twice in the same hour in the demo world), so the analytics
 * compiler derives them from the raw table with the query's time bounds pushed down.
 */
import type Database from "better-sqlite3";

export function migrate(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS unkey_meta (
      k TEXT PRIMARY KEY,
      v TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS unkey_apis (
      id TEXT PRIMARY KEY,
      keyspace_id TEXT NOT NULL,
      name TEXT NOT NULL,
      created_at INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS unkey_identities (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      external_id TEXT NOT NULL UNIQUE,
      meta TEXT NOT NULL DEFAULT '{}',
      created_at INTEGER NOT NULL,
      updated_at INTEGER
    );
    CREATE TABLE IF NOT EXISTS unkey_keys (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      api_id TEXT NOT NULL,
      hash TEXT NOT NULL UNIQUE,
      start TEXT NOT NULL,
      plaintext TEXT,
      name TEXT,
      meta TEXT,
      identity_id TEXT,
      enabled INTEGER NOT NULL DEFAULT 1,
      expires INTEGER,
      remaining INTEGER,
      refill_interval TEXT,
      refill_amount INTEGER,
      refill_day INTEGER,
      permissions TEXT NOT NULL DEFAULT '[]',
      roles TEXT NOT NULL DEFAULT '[]',
      created_at INTEGER NOT NULL,
      updated_at INTEGER,
      last_used_at INTEGER,
      deleted_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS unkey_keys_identity ON unkey_keys (identity_id);
    CREATE INDEX IF NOT EXISTS unkey_keys_refill ON unkey_keys (refill_interval) WHERE refill_interval IS NOT NULL;
    CREATE TABLE IF NOT EXISTS unkey_ratelimits (
      id TEXT PRIMARY KEY,
      key_id TEXT,
      identity_id TEXT,
      name TEXT NOT NULL,
      lim INTEGER NOT NULL,
      duration INTEGER NOT NULL,
      auto_apply INTEGER NOT NULL,
      position INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS unkey_ratelimits_key ON unkey_ratelimits (key_id);
    CREATE INDEX IF NOT EXISTS unkey_ratelimits_identity ON unkey_ratelimits (identity_id);
    -- Raw verifications (key_verifications_v1). request_id is NULL for bulk-loaded history and
    -- synthesised from the rowid when queried, which keeps bulk loads of millions of rows fast.
    CREATE TABLE IF NOT EXISTS unkey_verifications (
      time INTEGER NOT NULL,
      request_id TEXT,
      key_space_id TEXT NOT NULL,
      key_id TEXT NOT NULL,
      external_id TEXT NOT NULL,
      outcome TEXT NOT NULL,
      region TEXT NOT NULL,
      tags TEXT NOT NULL,
      spent_credits INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS unkey_verifications_time ON unkey_verifications (time);
    CREATE TABLE IF NOT EXISTS unkey_verifications_per_day (
      time INTEGER NOT NULL,
      key_space_id TEXT NOT NULL,
      key_id TEXT NOT NULL,
      external_id TEXT NOT NULL,
      outcome TEXT NOT NULL,
      tags TEXT NOT NULL,
      count INTEGER NOT NULL,
      spent_credits INTEGER NOT NULL,
      PRIMARY KEY (time, key_id, outcome, external_id, tags)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS unkey_verifications_per_month (
      time INTEGER NOT NULL,
      key_space_id TEXT NOT NULL,
      key_id TEXT NOT NULL,
      external_id TEXT NOT NULL,
      outcome TEXT NOT NULL,
      tags TEXT NOT NULL,
      count INTEGER NOT NULL,
      spent_credits INTEGER NOT NULL,
      PRIMARY KEY (time, key_id, outcome, external_id, tags)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS unkey_analytics_queries (
      time INTEGER NOT NULL
    );
  `);
}

export const allTables = [
  "unkey_meta",
  "unkey_apis",
  "unkey_identities",
  "unkey_keys",
  "unkey_ratelimits",
  "unkey_verifications",
  "unkey_verifications_per_day",
  "unkey_verifications_per_month",
  "unkey_analytics_queries",
] as const;
