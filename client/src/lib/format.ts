// Formatting helpers. Pure functions: the locale and "now" are parameters so tests are stable.

const DEFAULT_LOCALE = "en-US";

export function formatNumber(value: number, locale: string = DEFAULT_LOCALE): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** Credits remaining: `null` means the key (or every key) is unlimited. */
export function formatCredits(remaining: number | null, locale: string = DEFAULT_LOCALE): string {
  return remaining === null ? "Unlimited" : formatNumber(remaining, locale);
}

/** "1,234 of 5,000", "Unlimited", or just "1,234" when there is no allowance to compare with. */
export function formatCreditsOf(
  remaining: number | null,
  allowance: number | null,
  locale: string = DEFAULT_LOCALE,
): string {
  if (remaining === null) return "Unlimited";
  if (allowance === null) return formatNumber(remaining, locale);
  return `${formatNumber(remaining, locale)} of ${formatNumber(allowance, locale)}`;
}

/**
 * Share of the allowance left, clamped to 0–100 for a bar. A balance above the allowance (a grant on
 * top of it) reads as 100; null when there is nothing to compare with.
 */
export function percentLeft(remaining: number | null, allowance: number | null): number | null {
  if (remaining === null || allowance === null || allowance <= 0) return null;
  return Math.max(0, Math.min(100, (remaining / allowance) * 100));
}

const DURATION_UNITS: readonly [ms: number, label: string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1_000, "s"],
];

/** A ratelimit window in the largest unit that divides it exactly: 1000 → "1 s", 90000 → "90 s". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return `${ms} ms`;
  for (const [size, label] of DURATION_UNITS) {
    if (ms % size === 0) return `${formatNumber(ms / size)} ${label}`;
  }
  return `${formatNumber(ms)} ms`;
}

/** "50 / 1 s": at most `limit` requests per window. */
export function formatRateLimit(limit: number, durationMs: number): string {
  return `${formatNumber(limit)} / ${formatDuration(durationMs)}`;
}

export type RefillSchedule = {
  interval: "daily" | "monthly";
  amount: number;
  refillDay: number | null;
};

/** "daily" or "monthly on day 31". Unkey refills monthly keys on day 1 when no day is set. */
export function formatRefillSchedule(refill: RefillSchedule): string {
  switch (refill.interval) {
    case "daily":
      return "daily";
    case "monthly":
      return `monthly on day ${refill.refillDay ?? 1}`;
  }
}

function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An exact instant in UTC: "2026-12-15 00:00 UTC" (seconds shown only when not zero). */
export function formatUtcInstant(value: Date | string | number): string {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return "Invalid date";
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const seconds = d.getUTCSeconds() === 0 ? "" : `:${pad(d.getUTCSeconds())}`;
  return `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds} UTC`;
}

/** The same instant in the viewer's own time zone, for a tooltip. */
export function formatLocalInstant(
  value: Date | string | number,
  options: { locale?: string; timeZone?: string } = {},
): string {
  const d = toDate(value);
  if (Number.isNaN(d.getTime())) return "Invalid date";
  return new Intl.DateTimeFormat(options.locale ?? DEFAULT_LOCALE, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
  }).format(d);
}

const RELATIVE_UNITS: readonly [unit: Intl.RelativeTimeFormatUnit, ms: number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1_000],
];

/**
 * "in 3 days", "5 hours ago". Picks the largest unit with at least one whole step, so 36 hours reads
 * "in 2 days" and 90 minutes "in 2 hours"; under 10 seconds reads "now".
 */
export function formatRelativeTime(
  value: Date | string | number,
  now: Date | number = Date.now(),
  locale: string = DEFAULT_LOCALE,
): string {
  const target = toDate(value).getTime();
  if (Number.isNaN(target)) return "";
  const diff = target - toDate(now).getTime();
  const abs = Math.abs(diff);
  const sign = diff < 0 ? -1 : 1;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "always" });
  if (abs < 10_000)
    return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(0, "second");
  for (const [unit, size] of RELATIVE_UNITS) {
    // Weeks only read well between 2 and 4 of them; 10 days is clearer than "in 1 week".
    if (unit === "week" && abs < 14 * 86_400_000) continue;
    // Round the magnitude, not the signed value: Math.round(-1.5) is -1, not -2.
    if (abs >= size) return rtf.format(sign * Math.round(abs / size), unit);
  }
  return rtf.format(sign * Math.round(abs / 1000), "second");
}

const ROLE_LABELS = {
  admin: "Admin",
  account_manager: "Account manager",
  support: "Support",
  finance: "Finance",
} as const satisfies Record<string, string>;

export function formatRole(role: keyof typeof ROLE_LABELS | (string & {})): string {
  return role in ROLE_LABELS ? ROLE_LABELS[role as keyof typeof ROLE_LABELS] : role;
}
