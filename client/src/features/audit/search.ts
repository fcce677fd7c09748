import * as z from "zod/mini";

// The audit page's filters live in the URL: a link reproduces the view. Malformed values are dropped.

const text = (max: number) =>
  z.optional(
    z.pipe(
      z.unknown(),
      z.transform((v): string | undefined => {
        if (typeof v !== "string" && typeof v !== "number") return undefined;
        const s = String(v).trim();
        return s.length > 0 && s.length <= max ? s : undefined;
      }),
    ),
  );

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): string | undefined =>
      typeof v === "string" && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))
        ? v
        : undefined,
    ),
  ),
);

const page = z.optional(
  z.pipe(
    z.unknown(),
    z.transform((v): number | undefined => {
      const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
      return Number.isInteger(n) && n > 1 && n < 100_000 ? n : undefined;
    }),
  ),
);

export const auditSearchSchema = z.object({
  actor: text(320),
  target: text(255),
  action: text(100),
  /** Dates (UTC days), inclusive. */
  from: day,
  to: day,
  page,
});
export type AuditSearch = z.output<typeof auditSearchSchema>;

export const AUDIT_PAGE_SIZE = 50;

/** The server's filter input: whole UTC days, `to` inclusive. */
export function auditFilters(search: AuditSearch) {
  return {
    ...(search.actor ? { actor: search.actor } : {}),
    ...(search.target ? { target: search.target } : {}),
    ...(search.action ? { action: search.action } : {}),
    ...(search.from ? { from: `${search.from}T00:00:00.000Z` } : {}),
    ...(search.to ? { to: `${search.to}T23:59:59.999Z` } : {}),
  };
}

/** The CSV export of exactly what the page filters. */
export function auditCsvUrl(search: AuditSearch): string {
  return `/export/audit.csv?input=${encodeURIComponent(JSON.stringify(auditFilters(search)))}`;
}

/** Keys present in either before or after whose values differ, for a compact diff. */
export function changedKeys(before: unknown, after: unknown): string[] {
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const b = obj(before);
  const a = obj(after);
  const keys = new Set([...Object.keys(b), ...Object.keys(a)]);
  return [...keys].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).sort();
}
