/**
 * The finance page's analytics question: every customer's verifications, VALID verifications and
 * credits spent in one period [from, to), one row per external_id, paged by external_id. It feeds
 * the finance read model (services/finance/usage-periods.ts), which asks it in the background.
 *
 * For periods whose bounds are UTC midnights (every month) it reads Unkey's per-day rollup
 * (`key_verifications_per_day_v1`: one row per day, key, outcome, … with `count` and
 * `spent_credits`), ~1 row per key per day and outcome instead of one per verification. The
 * rollup's `time` is a Date, so its bounds are `toDate('YYYY-MM-DD')` literals (a bare number would
 * compare as days). Other periods read the raw events, whose `time` is unix ms.
 */
import { alias, chSql, column, int, join, str, table, type SqlFragment } from "./sql";

const DAY_MS = 86_400_000;

/** Rows per page (one row per customer). */
export const FINANCE_PAGE = 20_000;

export const isDayAligned = (...ms: number[]) => ms.every((t) => t % DAY_MS === 0);

const day = (ms: number) => chSql`toDate(${str(new Date(ms).toISOString().slice(0, 10))})`;

export interface FinanceUsagePage {
  from: number;
  to: number;
  limit: number;
  offset: number;
}

export function financeUsageQuery(input: FinanceUsagePage): SqlFragment {
  const daily = isDayAligned(input.from, input.to);
  const time = column("time");
  const spent = chSql`sum(${column("spent_credits")}) AS ${alias("spent")}`;
  const selects = daily
    ? [
        column("external_id"),
        chSql`sum(${column("count")}) AS ${alias("n")}`,
        chSql`sumIf(${column("count")}, ${column("outcome")} = ${str("VALID")}) AS ${alias("valid")}`,
        spent,
      ]
    : [
        column("external_id"),
        chSql`count() AS ${alias("n")}`,
        chSql`countIf(${column("outcome")} = ${str("VALID")}) AS ${alias("valid")}`,
        spent,
      ];
  const bound = daily ? day : int;
  const from = daily ? table("key_verifications_per_day_v1") : table("key_verifications_v1");
  const where = join(
    [chSql`${time} >= ${bound(input.from)}`, chSql`${time} < ${bound(input.to)}`],
    " AND ",
  );
  return chSql`SELECT ${join(selects, ", ")} FROM ${from} WHERE ${where} GROUP BY ${column("external_id")} ORDER BY ${column("external_id")} LIMIT ${int(input.limit)} OFFSET ${int(input.offset)}`;
}
