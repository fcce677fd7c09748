/** Instants cross the API as ISO-8601 UTC strings; the store and upstream keep unix milliseconds. */
export const isoFromMs = (ms: number): string => new Date(ms).toISOString();

/** Like `isoFromMs`, passing "no instant" (null/undefined) through as null. */
export const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();
