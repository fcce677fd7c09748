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

/** Digits after the decimal point in a currency's smallest unit: USD 2, JPY 0, BHD 3. */
export function currencyExponent(currency: string, locale: string = DEFAULT_LOCALE): number {
  try {
    return (
      new Intl.NumberFormat(locale, { style: "currency", currency }).resolvedOptions()
        .maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

function moneyFormatter(currency: string, locale: string, maxDigits?: number): Intl.NumberFormat {
  const digits = currencyExponent(currency, locale);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: Math.max(digits, maxDigits ?? digits),
  });
}

/**
 * Stripe amounts are integers in the currency's smallest unit (cents for USD, yen for JPY):
 * 123456 USD → "$1,234.56".
 */
export function formatMoney(
  minorUnits: number,
  currency: string,
  locale: string = DEFAULT_LOCALE,
): string {
  const exp = currencyExponent(currency, locale);
  return moneyFormatter(currency, locale).format(minorUnits / 10 ** exp);
}

/**
 * Stripe's `unit_amount_decimal` is a decimal string in the smallest unit and may hold fractions of
 * a cent ("0.15" USD is $0.0015 per unit): shown with every digit it has, never rounded to cents.
 * Decimal places are shifted on the string so no binary float rounding creeps in.
 */
export function formatMinorUnitsDecimal(
  decimal: string,
  currency: string,
  locale: string = DEFAULT_LOCALE,
): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(decimal.trim());
  if (!match) return decimal;
  const [, sign = "", whole = "", frac = ""] = match;
  const exp = currencyExponent(currency, locale);
  const digits = (whole || "0").padStart(exp + 1, "0");
  const intPart = digits.slice(0, digits.length - exp);
  const fracPart = (digits.slice(digits.length - exp) + frac).replace(/0+$/, "");
  const fmt = moneyFormatter(currency, locale, Math.min(20, fracPart.length));
  // Intl accepts a decimal string and formats it exactly (no float round trip).
  return fmt.format(`${sign}${intPart}.${fracPart || "0"}` as unknown as number);
}

/** A unit price: the exact decimal string when Stripe gives one, else the integer amount. */
export function formatUnitPrice(
  price: { unitAmount: number | null; unitAmountDecimal: string | null },
  currency: string,
  locale: string = DEFAULT_LOCALE,
): string | null {
  if (price.unitAmountDecimal !== null)
    return formatMinorUnitsDecimal(price.unitAmountDecimal, currency, locale);
  if (price.unitAmount !== null) return formatMoney(price.unitAmount, currency, locale);
  return null;
}

/** "42 %" from a 0–100 share; one decimal below 10 % so "0.4 %" does not read as "0 %". */
export function formatPercent(value: number | null, locale: string = DEFAULT_LOCALE): string {
  if (value === null || !Number.isFinite(value)) return "—";
  const digits = value > 0 && value < 10 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} %`;
}

/** "≈ 1,234 credits/h"; small rates keep one decimal so a slow burn does not read as zero. */
export function formatBurnRate(perHour: number | null, locale: string = DEFAULT_LOCALE): string {
  if (perHour === null) return "No recent usage";
  if (perHour <= 0) return "Idle (no credits spent recently)";
  const digits = perHour < 10 ? 1 : 0;
  const n = new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(perHour);
  return `≈ ${n} credits/h`;
}

export type Forecast = {
  kind: "unlimited" | "exhausted" | "idle" | "runs_out" | "lasts_until_refill";
  at?: string | null;
};

/**
 * When the credits run out, in words: "Runs out in 5 hours (2026-11-27 19:00 UTC), before the next
 * refill", "Lasts until the refill on 2026-12-01 00:00 UTC (in 3 days)", "Exhausted", "Unlimited".
 */
export function formatForecast(
  forecast: Forecast,
  nextRefillAt: string | null,
  now: Date | number = Date.now(),
  locale: string = DEFAULT_LOCALE,
): string {
  switch (forecast.kind) {
    case "unlimited":
      return "Unlimited";
    case "exhausted":
      return nextRefillAt
        ? `Exhausted until the refill on ${formatUtcInstant(nextRefillAt)} (${formatRelativeTime(nextRefillAt, now, locale)})`
        : "Exhausted, and no refill is scheduled";
    case "idle":
      return "Not spending credits: no run-out expected";
    case "runs_out": {
      if (!forecast.at) return "Runs out before the next refill";
      const when = `Runs out ${formatRelativeTime(forecast.at, now, locale)} (${formatUtcInstant(forecast.at)})`;
      return nextRefillAt ? `${when}, before the next refill` : `${when}; nothing refills it`;
    }
    case "lasts_until_refill": {
      const refill = nextRefillAt ?? forecast.at;
      return refill
        ? `Lasts until the refill on ${formatUtcInstant(refill)} (${formatRelativeTime(refill, now, locale)})`
        : "Lasts until the next refill";
    }
  }
}
