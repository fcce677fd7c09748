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
  /** Optional bucket override (e.g. `?range=90d&bucket=hour`); no control sets it, links may. */
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
  const bucket = search.bucket ? { bucket: search.bucket } : {};
  if (range !== "custom")
    return { ok: true, request: { range, ...(keyId ? { keyId } : {}), ...bucket } };
  const check = checkCustomRange(search.from, search.to, now);
  if (!check.ok) return check;
  return {
    ok: true,
    request: { range, from: check.from, to: check.to, ...(keyId ? { keyId } : {}), ...bucket },
  };
}
