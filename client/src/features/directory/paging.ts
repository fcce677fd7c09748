export const PAGE_SIZE = 100;

/** Page numbers covering rows [start, end], page 0 excluded (it is always loaded). */
export function pagesFor(start: number, end: number, pageSize = PAGE_SIZE): number[] {
  if (end < start) return [];
  const pages: number[] = [];
  for (let p = Math.max(1, Math.floor(start / pageSize)); p <= Math.floor(end / pageSize); p++) {
    pages.push(p);
  }
  return pages;
}
