import * as z from "zod/mini";

// The usage section's view (range, custom dates, key) lives in the customer page's URL, so a link
// to "initech, last 7 days, key X" reproduces it. Search params are user-editable text: anything
// malformed falls back to the default instead of an error page. Defaults stay out of the URL.

export const USAGE_RANGES = ["24h", "7d", "30d", "90d", "custom"] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];
export const DEFAULT_RANGE: UsageRange = "7d";

export const RANGE_LABELS: Record<UsageRange, string> = {
  "24h": "24 h",
  "7d": "7 d",
  "30d": "30 d",
  "90d": "90 d",
  custom: "Custom",
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export const usageSearchShape = {
  range: z.catch(z.optional(z.enum(USAGE_RANGES)), undefined),
  /** Custom range, inclusive UTC dates "YYYY-MM-DD". */
  from: z.catch(z.optional(z.string().check(z.regex(DATE_RE))), undefined),
  to: z.catch(z.optional(z.string().check(z.regex(DATE_RE))), undefined),
  key: z.catch(z.optional(z.string().check(z.minLength(1), z.maxLength(200))), undefined),
  /** Bucket override (e.g. `?range=90d&bucket=hour`), set by the "Buckets" control; absent = auto. */
  bucket: z.catch(z.optional(z.enum(["hour", "day"])), undefined),
};
export const usageSearchSchema = z.object(usageSearchShape);
export type UsageSearch = z.infer<typeof usageSearchSchema>;

/** The longest custom range the server buckets (daily buckets over a year stay small). */
export const MAX_CUSTOM_DAYS = 366;
const DAY_MS = 86_400_000;

function parseUtcDate(value: string | undefined): number | null {
  if (!value || !DATE_RE.test(value)) return null;
  const t = Date.parse(`${value}T00:00:00.000Z`);
  if (Number.isNaN(t)) return null;
  // Date.parse rolls 2026-02-31 over to March: reject dates that do not round-trip.
  return new Date(t).toISOString().slice(0, 10) === value ? t : null;
}

export type CustomRangeCheck =
  { ok: true; from: string; to: string } | { ok: false; field: "from" | "to"; message: string };

/**
 * A custom range as instants: from the start of `from` to the end of `to` (inclusive days, UTC),
 * or why it cannot be used. `now` bounds the start: there is no usage in the future.
 */
export function checkCustomRange(
  from: string | undefined,
  to: string | undefined,
  now: number = Date.now(),
): CustomRangeCheck {
  const start = parseUtcDate(from);
  const end = parseUtcDate(to);
  if (start === null) return { ok: false, field: "from", message: "Pick a start date" };
  if (end === null) return { ok: false, field: "to", message: "Pick an end date" };
  if (start > now) return { ok: false, field: "from", message: "Start is in the future" };
  if (end < start) return { ok: false, field: "to", message: "End is before the start" };
  if ((end - start) / DAY_MS + 1 > MAX_CUSTOM_DAYS)
    return { ok: false, field: "to", message: `At most ${MAX_CUSTOM_DAYS} days` };
  return {
    ok: true,
    from: new Date(start).toISOString(),
    to: new Date(Math.min(end + DAY_MS, Math.max(now, start + 1))).toISOString(),
  };
}

/** Most buckets the server answers (`MAX_BUCKETS` in server/src/domain/buckets.ts). */
export const MAX_BUCKETS = 2_400;
const RANGE_DAYS = { "24h": 1, "7d": 7, "30d": 30, "90d": 90 } as const;

export type BucketChoice = "auto" | "hour" | "day";
export const BUCKET_CHOICES: readonly BucketChoice[] = ["auto", "hour", "day"];
export const BUCKET_LABELS: Record<BucketChoice, string> = {
  auto: "Auto",
  hour: "Hour",
  day: "Day",
};

/**
 * Whether hourly buckets fit the range (at most MAX_BUCKETS of them: 100 days), so the control can
 * disable "Hour" instead of letting the server refuse it. Unknown (invalid custom range) = yes.
 */
export function hourlyAllowed(search: UsageSearch, now: number = Date.now()): boolean {
  const range = search.range ?? DEFAULT_RANGE;
  let spanMs: number;
  if (range === "custom") {
    const check = checkCustomRange(search.from, search.to, now);
    if (!check.ok) return true;
    spanMs = Date.parse(check.to) - Date.parse(check.from);
  } else spanMs = RANGE_DAYS[range] * DAY_MS;
  return spanMs / 3_600_000 <= MAX_BUCKETS;
}

/** The bucket override in effect: the URL's, unless it is too fine for the range (then auto). */
export function effectiveBucket(search: UsageSearch, now: number = Date.now()): BucketChoice {
  if (search.bucket === "hour" && !hourlyAllowed(search, now)) return "auto";
  return search.bucket ?? "auto";
}

export type TimeseriesRequest = {
  range: UsageRange;
  from?: string;
  to?: string;
  keyId?: string;
  bucket?: "hour" | "day";
};

/** What to ask the server for, or the validation error to show instead of asking. */
export function timeseriesRequest(
  search: UsageSearch,
  now: number = Date.now(),
): { ok: true; request: TimeseriesRequest } | { ok: false; field: "from" | "to"; message: string } {
  const range = search.range ?? DEFAULT_RANGE;
  const keyId = search.key;
  const choice = effectiveBucket(search, now);
  const bucket = choice === "auto" ? {} : { bucket: choice };
  if (range !== "custom")
    return { ok: true, request: { range, ...(keyId ? { keyId } : {}), ...bucket } };
  const check = checkCustomRange(search.from, search.to, now);
  if (!check.ok) return check;
  return {
    ok: true,
    request: { range, from: check.from, to: check.to, ...(keyId ? { keyId } : {}), ...bucket },
  };
}
