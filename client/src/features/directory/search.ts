import * as z from "zod/mini";

// The directory's whole view (search, filters, sort) lives in the URL so a link reproduces it and
// the back button undoes a change. Search params are user-editable text: anything malformed falls
// back to "no filter" / the default sort instead of an error page. Defaults are left out of the URL
// so the plain /customers link stays plain.

export const DIRECTORY_STATUSES = [
  "healthy",
  "low",
  "exhausted",
  "unlimited",
  "no_keys",
  "overage",
] as const;
export type DirectoryStatusFilter = (typeof DIRECTORY_STATUSES)[number];

export const DIRECTORY_SORTS = [
  "name",
  "credits_left",
  "percent_left",
  "forecast",
  "next_refill",
  "last_used",
] as const;
export type DirectorySort = (typeof DIRECTORY_SORTS)[number];
export type SortDir = "asc" | "desc";

export const DEFAULT_SORT: DirectorySort = "name";

/** The direction a column sorts in when first clicked: the most urgent or most recent first. */
export function defaultDir(sort: DirectorySort): SortDir {
  return sort === "last_used" ? "desc" : "asc";
}

/**
 * A list param: an array (the router's own JSON encoding) or a comma-separated string (a link typed
 * by hand). Unknown values are dropped one by one, duplicates removed; an empty list is no filter.
 */
function listParam<T extends string>(accept: (value: string) => value is T) {
  return z.optional(
    z.pipe(
      z.unknown(),
      z.transform((value): T[] | undefined => {
        const raw: unknown[] =
          typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : [];
        const out: T[] = [];
        for (const item of raw) {
          if (typeof item !== "string") continue;
          const v = item.trim();
          if (v && accept(v) && !out.includes(v)) out.push(v);
        }
        return out.length > 0 ? out : undefined;
      }),
    ),
  );
}

const isPlan = (v: string): v is string => v.length <= 100;
const isStatus = (v: string): v is DirectoryStatusFilter =>
  (DIRECTORY_STATUSES as readonly string[]).includes(v);

export const directorySearchSchema = z.object({
  q: z.catch(z.optional(z.string().check(z.trim(), z.maxLength(200))), undefined),
  plans: listParam(isPlan),
  statuses: listParam(isStatus),
  sort: z.catch(z.optional(z.enum(DIRECTORY_SORTS)), undefined),
  dir: z.catch(z.optional(z.enum(["asc", "desc"])), undefined),
});
export type DirectorySearch = z.infer<typeof directorySearchSchema>;

/** The directory.list input for a view, without the window (offset/limit). */
export type DirectoryQuery = {
  q?: string;
  plans?: string[];
  statuses?: DirectoryStatusFilter[];
  sort: DirectorySort;
  dir: SortDir;
};

export function toDirectoryQuery(search: DirectorySearch): DirectoryQuery {
  const sort = search.sort ?? DEFAULT_SORT;
  const query: DirectoryQuery = { sort, dir: search.dir ?? defaultDir(sort) };
  if (search.q) query.q = search.q;
  if (search.plans?.length) query.plans = search.plans;
  if (search.statuses?.length) query.statuses = search.statuses;
  return query;
}

/** The next search after a click on a column header: same column flips, a new one starts default. */
export function nextSort(
  search: DirectorySearch,
  column: DirectorySort,
): Pick<DirectorySearch, "sort" | "dir"> {
  const current = toDirectoryQuery(search);
  const dir: SortDir =
    current.sort === column ? (current.dir === "asc" ? "desc" : "asc") : defaultDir(column);
  // Keep defaults out of the URL.
  if (column === DEFAULT_SORT && dir === defaultDir(DEFAULT_SORT))
    return { sort: undefined, dir: undefined };
  return { sort: column, dir: dir === defaultDir(column) ? undefined : dir };
}

export function hasFilters(search: DirectorySearch): boolean {
  return !!(search.q || search.plans?.length || search.statuses?.length);
}

/** The CSV of exactly this view: same search, filters and sort, every row (no window). */
export function directoryCsvUrl(search: DirectorySearch): string {
  return `/export/directory.csv?input=${encodeURIComponent(JSON.stringify(toDirectoryQuery(search)))}`;
}
