/**
 * The sandbox's own tables (prefixed `sandbox_`), beside the emulators' `unkey_`/`stripe_` tables
 * in the same database file: world metadata, the plaintext of every seeded key (the traffic
 * simulator needs it to call keys.verifyKey, and Unkey itself only keeps hashes), the grants the
 * world made, and a manifest of what is deliberate about each customer.
 */
import type Database from "better-sqlite3";

/** Bump when the world generator or any emulator schema changes: cached templates are keyed by it. */
export const WORLD_SCHEMA_VERSION = 1;

export function migrateSandboxTables(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS sandbox_meta (
      k TEXT PRIMARY KEY,
      v TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sandbox_traffic_keys (
      key_id TEXT PRIMARY KEY,
      plaintext TEXT NOT NULL,
      external_id TEXT,
      -- Expected calls per day: the simulator picks keys in proportion to it.
      weight REAL NOT NULL,
      -- Fixture keys (acme-corp, globex, initech) are left alone so tests can rely on their balances.
      fixture INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS sandbox_world_customers (
      seq INTEGER PRIMARY KEY,
      external_id TEXT,
      name TEXT NOT NULL,
      plan TEXT NOT NULL,
      status TEXT NOT NULL,
      -- identity_without_keys | identity_without_stripe | stripe_without_identity | key_without_identity
      anomaly TEXT,
      fixture TEXT,
      identity_id TEXT,
      stripe_customer_id TEXT,
      subscription_id TEXT
    );
    CREATE TABLE IF NOT EXISTS sandbox_world_keys (
      key_id TEXT PRIMARY KEY,
      external_id TEXT,
      name TEXT NOT NULL,
      -- Balance the world was seeded with and what the history spent this period.
      seeded_remaining INTEGER,
      spent_this_period INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sandbox_world_grants (
      key_id TEXT NOT NULL,
      external_id TEXT NOT NULL,
      at INTEGER NOT NULL,
      amount INTEGER NOT NULL,
      meter_event_identifier TEXT NOT NULL
    );
  `);
}

export function getMeta(db: Database.Database, k: string): string | undefined {
  const row = db.prepare("SELECT v FROM sandbox_meta WHERE k = ?").get(k) as
    { v: string } | undefined;
  return row?.v;
}

export function setMeta(db: Database.Database, k: string, v: string): void {
  db.prepare(
    "INSERT INTO sandbox_meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
  ).run(k, v);
}
