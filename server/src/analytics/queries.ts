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

// ---------------------------------------------------------------------------------------------
// Usage charts and finance (issue 5). Buckets are `floor(time / size) * size` over the raw
// table's ms `time`, so any size (15 min, 6 h) works with one expression and bucket starts are
// UTC-aligned multiples of the size; bounds are explicit ms literals, [from, to).

/** `toInt64(floor(time / size)) * size`: the bucket start in unix ms. */
function bucketExpr(sizeMs: number): SqlFragment {
  return chSql`toInt64(floor(${column("time")} / ${int(sizeMs)})) * ${int(sizeMs)}`;
}

function customerScope(externalId: string, keyId: string | undefined): SqlFragment[] {
  const where = [chSql`${column("external_id")} = ${str(externalId)}`];
  if (keyId !== undefined) where.push(chSql`${column("key_id")} = ${str(keyId)}`);
  return where;
}

/** One customer's (or key's) verifications per bucket and outcome, with credits spent. */
export function usageSeriesQuery(input: {
  externalId: string;
  keyId?: string | undefined;
  from: number;
  to: number;
  bucketMs: number;
}): SqlFragment {
  const time = column("time");
  const where = [
    ...customerScope(input.externalId, input.keyId),
    chSql`${time} >= ${int(input.from)}`,
    chSql`${time} < ${int(input.to)}`,
  ];
  return chSql`SELECT ${bucketExpr(input.bucketMs)} AS ${alias("bucket")}, ${column("outcome")}, count(*) AS ${alias("n")}, sum(${column("spent_credits")}) AS ${alias("spent")} FROM ${table("key_verifications_v1")} WHERE ${join(where, " AND ")} GROUP BY ${alias("bucket")}, ${column("outcome")} ORDER BY ${alias("bucket")}`;
}

/**
 * Peak verifications per pool window: the inner query counts, per window of `windowMs` (and per
 * key for key-scoped pools), the verifications tagged `pool:<name>`; the outer takes the max.
 * One query per distinct window length.
 */
export function poolPeakQuery(input: {
  externalId: string;
  from: number;
  to: number;
  windowMs: number;
  pools: { tag: string; perKey: boolean }[];
}): SqlFragment {
  const time = column("time");
  const tags = column("tags");
  const where = [
    ...customerScope(input.externalId, undefined),
    chSql`${time} >= ${int(input.from)}`,
    chSql`${time} < ${int(input.to)}`,
  ];
  const inner = input.pools.map(
    (p, i) => chSql`countIf(has(${tags}, ${str(p.tag)})) AS ${alias(`c${i}`)}`,
  );
  const outer = input.pools.map(
    (_, i) =>
      chSql`max(${alias(`c${i}`)}) AS ${alias(`peak${i}`)}, sum(${alias(`c${i}`)}) AS ${alias(`total${i}`)}`,
  );
  const perKey = input.pools.some((p) => p.perKey);
  const groupBy = perKey ? chSql`${alias("w")}, ${column("key_id")}` : chSql`${alias("w")}`;
  return chSql`SELECT ${join(outer, ", ")} FROM (SELECT ${bucketExpr(input.windowMs)} AS ${alias("w")}, ${join(inner, ", ")} FROM ${table("key_verifications_v1")} WHERE ${join(where, " AND ")} GROUP BY ${groupBy})`;
}
