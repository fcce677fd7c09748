/**
 * The directory's analytics question, built with the escaping builder (sql.ts): per key, credits
 * spent over the trailing burn window, credits spent since each distinct refill-period start
 * (one `sumIf` column per start, so one grouped query covers every key's own period), and the
 * last verification time. Time filters are explicit unix-ms literals computed here: raw `time`
 * is Int64 ms, and `now() - INTERVAL …` would compare seconds against milliseconds.
 */
import { alias, chSql, column, int, join, str, table, type SqlFragment } from "./sql";

/** Rows per page: keeps each response far below Unkey's 4 MiB limit at 300k keys. */
export const KEY_USAGE_PAGE = 20_000;

export interface KeyUsageQueryInput {
  /** Start of the burn window (ms). */
  windowStart: number;
  /** Distinct refill-period starts (ms) of the keys asked about; column `p<start>` sums since it. */
  periodStarts: number[];
  /** Only this customer's keys (per-customer refresh). */
  externalId?: string;
  limit: number;
  offset: number;
}

/** Named by the start itself, so an older (cached) result still maps to the right keys. */
export function periodColumn(start: number): string {
  return `p${start}`;
}

export function keyUsageQuery(input: KeyUsageQueryInput): SqlFragment {
  const time = column("time");
  const spent = column("spent_credits");
  const since = Math.min(input.windowStart, ...input.periodStarts);
  const selects: SqlFragment[] = [
    column("key_id"),
    chSql`sumIf(${spent}, ${time} >= ${int(input.windowStart)}) AS ${alias("spent_window")}`,
    chSql`max(${time}) AS ${alias("last_time")}`,
    ...input.periodStarts.map(
      (start) => chSql`sumIf(${spent}, ${time} >= ${int(start)}) AS ${alias(periodColumn(start))}`,
    ),
  ];
  const where: SqlFragment[] = [chSql`${time} >= ${int(since)}`];
  if (input.externalId !== undefined) {
    where.push(chSql`${column("external_id")} = ${str(input.externalId)}`);
  }
  return chSql`SELECT ${join(selects, ", ")} FROM ${table("key_verifications_v1")} WHERE ${join(where, " AND ")} GROUP BY ${column("key_id")} ORDER BY ${column("key_id")} LIMIT ${int(input.limit)} OFFSET ${int(input.offset)}`;
}
