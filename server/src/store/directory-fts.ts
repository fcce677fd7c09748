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
