/**
 * The finance page's analytics question over Unkey's per-day rollup
 * (`key_verifications_per_day_v1`: one row per day, key, outcome, … with `count` and
 * `spent_credits`) instead of the raw events: the same per-customer figures as
 * `financeUsageQuery` (analytics/queries.ts) for periods whose bounds are UTC midnights (every
 * month), scanning ~1 row per key per day and outcome instead of one per verification. The rollup's
 * `time` is a Date, so bounds are `toDate('YYYY-MM-DD')` literals (a bare number would compare as
 * days). Periods that do not start and end at midnight keep the raw-table query.
 */
import { alias, chSql, column, int, join, str, table, type SqlFragment } from "./sql";

const DAY_MS = 86_400_000;

export const isDayAligned = (...ms: number[]) => ms.every((t) => t % DAY_MS === 0);

const day = (ms: number) => chSql`toDate(${str(new Date(ms).toISOString().slice(0, 10))})`;

export function financeUsageDailyQuery(input: {
  prevFrom: number;
  from: number;
  to: number;
  limit: number;
  offset: number;
}): SqlFragment {
  if (!isDayAligned(input.prevFrom, input.from, input.to)) {
    throw new Error("financeUsageDailyQuery: bounds must be UTC midnights");
  }
  const time = column("time");
  const n = column("count");
  const spent = column("spent_credits");
  const cur = chSql`${time} >= ${day(input.from)}`;
  const prev = chSql`${time} < ${day(input.from)}`;
  const selects = [
    column("external_id"),
    chSql`sumIf(${n}, ${cur}) AS ${alias("n")}`,
    chSql`sumIf(${n}, ${cur} AND ${column("outcome")} = ${str("VALID")}) AS ${alias("valid")}`,
    chSql`sumIf(${spent}, ${cur}) AS ${alias("spent")}`,
    chSql`sumIf(${n}, ${prev}) AS ${alias("prev_n")}`,
    chSql`sumIf(${spent}, ${prev}) AS ${alias("prev_spent")}`,
  ];
  const where = join(
    [chSql`${time} >= ${day(input.prevFrom)}`, chSql`${time} < ${day(input.to)}`],
    " AND ",
  );
  return chSql`SELECT ${join(selects, ", ")} FROM ${table("key_verifications_per_day_v1")} WHERE ${where} GROUP BY ${column("external_id")} ORDER BY ${column("external_id")} LIMIT ${int(input.limit)} OFFSET ${int(input.offset)}`;
}
