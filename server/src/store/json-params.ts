/**
 * Batch writes and `IN` lists passed as ONE JSON parameter instead of one bound parameter per
 * cell. A prepared SQLite statement with 1,600 parameters holds ~130 KB of native memory (a
 * JSON-fed one ~10 KB) until V8 collects its wrapper, and V8, which cannot see that memory,
 * collects it seconds later: at 20 pages a second that was tens of MB of RSS. PostgreSQL has the
 * same shape (`json_array_elements` and `->>`).
 */
import { sql, type RawBuilder } from "kysely";

/** Rows per JSON parameter (one statement each). */
export const JSON_BATCH = 2000;

/** Rows (`[[v0, v1, …], …]`) as a subquery with the given column names. */
export function jsonRows(rows: unknown[][], columns: readonly string[]): RawBuilder<unknown> {
  const select = columns.map((c, i) => `value ->> ${i} AS ${c}`).join(", ");
  return sql`(SELECT ${sql.raw(select)} FROM json_each(${JSON.stringify(rows)}))`;
}

/** `(SELECT value FROM json_each(?))`: a list of strings as one parameter, for `IN`. */
export function jsonList(values: readonly string[]): RawBuilder<string> {
  return sql<string>`(SELECT value FROM json_each(${JSON.stringify(values)}))`;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
