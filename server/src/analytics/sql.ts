/**
 * Builds Unkey analytics (ClickHouse) SQL from parameters. Values only enter a query as typed
 * literals made here — strings escaped, numbers checked finite integers, identifiers taken from
 * an allow-list — never by concatenating caller-supplied text into SQL. The tagged template
 * `chSql` accepts only fragments built by this module, so `chSql\`… ${userText}\`` is a type
 * error and a runtime error.
 */

const FRAGMENT = Symbol("analytics-sql-fragment");

export interface SqlFragment {
  readonly [FRAGMENT]: true;
  readonly text: string;
}

const fragment = (text: string): SqlFragment => ({ [FRAGMENT]: true, text });

export function isFragment(v: unknown): v is SqlFragment {
  return typeof v === "object" && v !== null && (v as Record<symbol, unknown>)[FRAGMENT] === true;
}

export class AnalyticsSqlError extends Error {
  override name = "AnalyticsSqlError";
}

/** The public tables of Unkey analytics (analytics.md): nothing else may be queried. */
export const analyticsTables = [
  "key_verifications_v1",
  "key_verifications_per_minute_v1",
  "key_verifications_per_hour_v1",
  "key_verifications_per_day_v1",
  "key_verifications_per_month_v1",
] as const;
export type AnalyticsTable = (typeof analyticsTables)[number];

export const analyticsColumns = [
  "request_id",
  "time",
  "workspace_id",
  "key_space_id",
  "external_id",
  "key_id",
  "outcome",
  "region",
  "source",
  "app_id",
  "tags",
  "spent_credits",
  "count",
] as const;
export type AnalyticsColumn = (typeof analyticsColumns)[number];

export const outcomes = [
  "VALID",
  "RATE_LIMITED",
  "INVALID",
  "EXPIRED",
  "DISABLED",
  "INSUFFICIENT_PERMISSIONS",
  "FORBIDDEN",
  "USAGE_EXCEEDED",
] as const;

/** A ClickHouse string literal: backslash and quote escaped, control characters spelled out. */
export function str(value: string): SqlFragment {
  if (typeof value !== "string") throw new AnalyticsSqlError("str(): not a string");
  const escaped = value
    .replaceAll("\\", "\\\\")
    .replaceAll("'", "\\'")
    .replaceAll("\n", "\\n")
    .replaceAll("\t", "\\t")
    .replaceAll("\0", "\\0");
  return fragment(`'${escaped}'`);
}

/** An integer literal (e.g. unix ms); anything not a safe integer is refused. */
export function int(value: number): SqlFragment {
  if (!Number.isSafeInteger(value))
    throw new AnalyticsSqlError(`int(): not a safe integer: ${value}`);
  return fragment(String(value));
}

/** A list of literals for `IN (…)`; empty lists are refused (ClickHouse rejects `IN ()`). */
export function list(values: SqlFragment[]): SqlFragment {
  if (values.length === 0) throw new AnalyticsSqlError("list(): empty");
  return fragment(`(${values.map((v) => v.text).join(", ")})`);
}

export function table(name: AnalyticsTable): SqlFragment {
  if (!(analyticsTables as readonly string[]).includes(name)) {
    throw new AnalyticsSqlError(`unknown analytics table: ${String(name)}`);
  }
  return fragment(name);
}

export function column(name: AnalyticsColumn): SqlFragment {
  if (!(analyticsColumns as readonly string[]).includes(name)) {
    throw new AnalyticsSqlError(`unknown analytics column: ${String(name)}`);
  }
  return fragment(name);
}

/** A result alias we choose (not user input): letters, digits, underscore. */
export function alias(name: string): SqlFragment {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new AnalyticsSqlError(`bad alias: ${name}`);
  return fragment(name);
}

/** Joins fragments with a separator (e.g. ", " for select lists, " AND " for conditions). */
export function join(parts: SqlFragment[], sep: ", " | " AND " | " OR "): SqlFragment {
  return fragment(parts.map((p) => p.text).join(sep));
}

/** The only way to write SQL text: literal template parts plus fragments built above. */
export function chSql(strings: TemplateStringsArray, ...values: SqlFragment[]): SqlFragment {
  let text = strings[0] ?? "";
  values.forEach((v, i) => {
    if (!isFragment(v)) {
      throw new AnalyticsSqlError(
        "chSql: interpolate str()/int()/column()… fragments, not raw values",
      );
    }
    text += v.text + (strings[i + 1] ?? "");
  });
  return fragment(text);
}
