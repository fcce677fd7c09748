/**
 * Opens the console's store: SQLite through better-sqlite3 (WAL, synchronous=NORMAL) behind
 * Kysely, migrated to the latest schema on open. Repositories take the Kysely instance, so a
 * PostgreSQL dialect can replace this file without touching them.
 */
import fs from "node:fs";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { Migrator, type MigrationProvider } from "kysely/migration";
import { migrations } from "./migrations/index";
import type { Database } from "./schema";

export interface Store {
  db: Kysely<Database>;
  close(): Promise<void>;
}

const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };

/** `file` null = in-memory (tests). */
export async function openStore(file: string | null): Promise<Store> {
  if (file) fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file ?? ":memory:");
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    await db.destroy();
    throw new Error(`Store migration failed${failed ? ` at ${failed.migrationName}` : ""}`, {
      cause: error,
    });
  }
  return { db, close: () => db.destroy() };
}
