/**
 * Stripe's list and search envelopes. Lists are newest first and paged by object id cursors
 * (`starting_after` walks toward older objects, `ending_before` toward newer); searches are paged
 * by an opaque `page` token that `next_page` hands out.
 */
import { invalidParam, noSuch } from "./errors";

export interface ListEnvelope<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

export interface SearchEnvelope<T> {
  object: "search_result";
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
  total_count?: number;
}

export interface PageParams {
  limit?: number | undefined;
  starting_after?: string | undefined;
  ending_before?: string | undefined;
}

/** Page through `items` (already filtered and in list order). `noun` names the cursor's resource
 * in the error for an unknown cursor id, as Stripe does (`No such customer: 'cus_x'`). */
export function listPage<T extends { id: string }>(
  items: readonly T[],
  p: PageParams,
  url: string,
  noun: string,
): ListEnvelope<T> {
  const limit = p.limit ?? 10;
  if (p.starting_after !== undefined && p.ending_before !== undefined) {
    throw invalidParam(
      "ending_before",
      "You may only specify one of these parameters: ending_before, starting_after.",
    );
  }
  if (p.ending_before !== undefined) {
    const idx = items.findIndex((o) => o.id === p.ending_before);
    if (idx < 0) throw noSuch(noun, p.ending_before, "ending_before");
    const start = Math.max(0, idx - limit);
    return { object: "list", data: items.slice(start, idx), has_more: start > 0, url };
  }
  let start = 0;
  if (p.starting_after !== undefined) {
    const idx = items.findIndex((o) => o.id === p.starting_after);
    if (idx < 0) throw noSuch(noun, p.starting_after, "starting_after");
    start = idx + 1;
  }
  const data = items.slice(start, start + limit);
  return { object: "list", data, has_more: start + limit < items.length, url };
}

const encodePage = (offset: number): string => Buffer.from(`page:${offset}`).toString("base64url");

function decodePage(page: string): number {
  const m = /^page:(\d+)$/.exec(Buffer.from(page, "base64url").toString("utf8"));
  if (!m) throw invalidParam("page", `Invalid page: ${page}`);
  return Number(m[1]);
}

export function searchPage<T>(
  items: readonly T[],
  p: { limit?: number | undefined; page?: string | undefined },
  url: string,
  withTotal: boolean,
): SearchEnvelope<T> {
  const limit = p.limit ?? 10;
  const offset = p.page === undefined ? 0 : decodePage(p.page);
  const data = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  return {
    object: "search_result",
    data,
    has_more: hasMore,
    next_page: hasMore ? encodePage(offset + limit) : null,
    url,
    ...(withTotal ? { total_count: items.length } : {}),
  };
}
