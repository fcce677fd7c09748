import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { DirectoryRow } from "../../lib/api-types";
import { useTRPC } from "../../lib/trpc";
import { PAGE_SIZE, pagesFor } from "./paging";
import type { DirectoryQuery } from "./search";

/**
 * The first page of a view: it carries the total and the loading / empty / error state of the whole
 * view. While a new search loads, the previous first page stays on screen (no skeleton flash per
 * keystroke); `isPlaceholderData` says so.
 */
export function useDirectoryFirstPage(query: DirectoryQuery) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.directory.list.queryOptions({ ...query, offset: 0, limit: PAGE_SIZE }),
    placeholderData: keepPreviousData,
  });
}

/**
 * The directory as a sparse array: page 0 (given) plus whichever pages cover the rows on screen.
 * Scrolling to row 80,000 fetches rows 80,000–80,099, not the 79,900 before them. Pages are ordinary
 * cached queries, so scrolling back is instant and a changed filter starts from a clean slate.
 */
export function useDirectoryPages(
  query: DirectoryQuery,
  visible: { start: number; end: number },
  first: { rows: DirectoryRow[] | undefined; stale: boolean },
) {
  const trpc = useTRPC();
  // Dragging the scrollbar across 100k rows passes over hundreds of pages: fetch only where it
  // comes to rest.
  const [settled] = useDebouncedValue(visible, 120);
  const pageNumbers = useMemo(
    () => (first.stale || !first.rows ? [] : pagesFor(settled.start, settled.end)),
    [first.stale, first.rows, settled.start, settled.end],
  );
  const pages = useQueries({
    queries: pageNumbers.map((page) =>
      trpc.directory.list.queryOptions(
        { ...query, offset: page * PAGE_SIZE, limit: PAGE_SIZE },
        // A page scrolled past before it arrived is cancelled, so it does not queue ahead of the
        // pages now on screen.
        { trpc: { abortOnUnmount: true } },
      ),
    ),
  });

  const byPage = new Map<number, DirectoryRow[] | undefined>();
  pageNumbers.forEach((page, i) => byPage.set(page, pages[i]?.data?.rows));
  const failed = pages.filter((p) => p.isError);

  const rowAt = (index: number): DirectoryRow | undefined => {
    const page = Math.floor(index / PAGE_SIZE);
    if (page === 0) return first.rows?.[index];
    if (first.stale) return undefined;
    return byPage.get(page)?.[index % PAGE_SIZE];
  };

  return {
    rowAt,
    pageError: failed[0]?.error ?? null,
    retryPages: () => {
      for (const p of failed) void p.refetch();
    },
  };
}
