/**
 * The directory's full-text index: SQLite FTS5 with the trigram tokenizer (substring search,
 * case-insensitive, for terms of 3+ characters). SQLite-specific by nature, so it lives alone here;
 * a PostgreSQL store would replace this file with a pg_trgm index and an ILIKE/similarity query.
 */
import { sql, type Kysely, type RawBuilder } from "kysely";

const indexed = "name, email, external_id, identity_id, stripe_customer_id, key_terms";
const oldValues =
  "old.name, old.email, old.external_id, old.identity_id, old.stripe_customer_id, old.key_terms";
const newValues =
  "new.name, new.email, new.external_id, new.identity_id, new.stripe_customer_id, new.key_terms";

/** Trigram needs at least 3 characters; shorter terms go through LIKE. */
export const FTS_MIN_TERM = 3;

export async function createDirectoryFts(db: Kysely<unknown>): Promise<void> {
  // External-content table: the index stores only tokens; rows are read from directory_customers.
  await sql
    .raw(
      `CREATE VIRTUAL TABLE directory_fts USING fts5(${indexed},
        content='directory_customers', content_rowid='id', tokenize='trigram')`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_ai AFTER INSERT ON directory_customers BEGIN
        INSERT INTO directory_fts(rowid, ${indexed}) VALUES (new.id, ${newValues});
      END`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_ad AFTER DELETE ON directory_customers BEGIN
        INSERT INTO directory_fts(directory_fts, rowid, ${indexed}) VALUES ('delete', old.id, ${oldValues});
      END`,
    )
    .execute(db);
  // Only real changes to searched columns touch the index: every sync rewrites every row, and
  // re-indexing 100k unchanged rows would dominate its time.
  const changed = indexed
    .split(", ")
    .map((c) => `old.${c} IS NOT new.${c}`)
    .join(" OR ");
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_au AFTER UPDATE OF ${indexed} ON directory_customers
      WHEN ${changed} BEGIN
        INSERT INTO directory_fts(directory_fts, rowid, ${indexed}) VALUES ('delete', old.id, ${oldValues});
        INSERT INTO directory_fts(rowid, ${indexed}) VALUES (new.id, ${newValues});
      END`,
    )
    .execute(db);
}

/** An FTS5 phrase for a literal substring: quotes doubled, so no FTS syntax gets through. */
export function ftsPhrase(term: string): string {
  return `"${term.replaceAll('"', '""')}"`;
}

/** `rowid IN (…)` subquery of directory rows whose searched columns contain `term` (≥ 3 chars). */
export function ftsMatchIds(term: string): RawBuilder<number> {
  return sql<number>`(SELECT rowid FROM directory_fts WHERE directory_fts MATCH ${ftsPhrase(term)})`;
}

/**
 * Migration 0005: the same triggers, switched off while a full sync runs (`paused`). A paused
 * trigger only marks the index `dirty`; the sync rebuilds it once at the end (one pass over the
 * table instead of a delete + insert of trigrams per row write).
 */
export async function pausableDirectoryFts(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE TABLE directory_fts_state (id INTEGER PRIMARY KEY CHECK (id = 1),
        paused INTEGER NOT NULL DEFAULT 0, dirty INTEGER NOT NULL DEFAULT 0)`,
    )
    .execute(db);
  await sql.raw(`INSERT INTO directory_fts_state (id, paused, dirty) VALUES (1, 0, 0)`).execute(db);
  for (const t of ["ai", "ad", "au"]) {
    await sql.raw(`DROP TRIGGER IF EXISTS directory_fts_${t}`).execute(db);
  }
  const live = `(SELECT paused FROM directory_fts_state WHERE id = 1) = 0`;
  const markDirty = `UPDATE directory_fts_state SET dirty = 1 WHERE id = 1 AND paused = 1 AND dirty = 0;`;
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_ai AFTER INSERT ON directory_customers BEGIN
        INSERT INTO directory_fts(rowid, ${indexed}) SELECT new.id, ${newValues} WHERE ${live};
        ${markDirty}
      END`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_ad AFTER DELETE ON directory_customers BEGIN
        INSERT INTO directory_fts(directory_fts, rowid, ${indexed})
          SELECT 'delete', old.id, ${oldValues} WHERE ${live};
        ${markDirty}
      END`,
    )
    .execute(db);
  const changed = indexed
    .split(", ")
    .map((c) => `old.${c} IS NOT new.${c}`)
    .join(" OR ");
  await sql
    .raw(
      `CREATE TRIGGER directory_fts_au AFTER UPDATE OF ${indexed} ON directory_customers
      WHEN ${changed} BEGIN
        INSERT INTO directory_fts(directory_fts, rowid, ${indexed})
          SELECT 'delete', old.id, ${oldValues} WHERE ${live};
        INSERT INTO directory_fts(rowid, ${indexed}) SELECT new.id, ${newValues} WHERE ${live};
        ${markDirty}
      END`,
    )
    .execute(db);
}

/** Stops per-row index maintenance (a full sync is about to rewrite many rows). */
export async function pauseDirectoryFts(db: Kysely<unknown>): Promise<void> {
  await sql`UPDATE directory_fts_state SET paused = 1 WHERE id = 1`.execute(db);
}

/** Resumes per-row maintenance, rebuilding the index once if rows changed while paused. */
export async function resumeDirectoryFts(db: Kysely<unknown>): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const r = await sql<{
      dirty: number;
    }>`SELECT dirty FROM directory_fts_state WHERE id = 1`.execute(trx);
    const dirty = Number(r.rows[0]?.dirty ?? 0) === 1;
    if (dirty) await sql`INSERT INTO directory_fts(directory_fts) VALUES ('rebuild')`.execute(trx);
    await sql`UPDATE directory_fts_state SET paused = 0, dirty = 0 WHERE id = 1`.execute(trx);
    return dirty;
  });
}
