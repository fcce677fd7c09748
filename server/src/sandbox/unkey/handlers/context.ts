/** What every endpoint handler receives: the request's instant and id, and the emulator's state. */
import type { AnalyticsEngine } from "../analytics/engine";
import type { IdFactory } from "../ids";
import type { RatelimitWindows } from "../ratelimit";
import type { UnkeyStore } from "../store";
import type { VerificationStore } from "../verifications";

export interface HandlerContext {
  now: number;
  requestId: string;
  apiId: string;
  keyspaceId: string;
  store: UnkeyStore;
  ids: IdFactory;
  ratelimits: RatelimitWindows;
  verifications: VerificationStore;
  analytics: AnalyticsEngine;
}

export interface HandlerResult {
  data: unknown;
  pagination?: { cursor?: string; hasMore: boolean };
}

export type Handler = (ctx: HandlerContext, body: unknown) => HandlerResult;

/** Opaque cursors: base64url of the last row's sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === "") return 0;
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    return typeof v.after === "number" && Number.isInteger(v.after) && v.after >= 0
      ? v.after
      : undefined;
  } catch {
    return undefined;
  }
}

/** A page from `fetch(limit + 1)`: the extra row only tells whether there is more. */
export function page<T extends { seq: number }>(rows: T[], limit: number) {
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  const last = items[items.length - 1];
  // The SDK's iterators follow `cursor` whenever present, so the last page must omit it.
  const pagination: { cursor?: string; hasMore: boolean } = { hasMore };
  if (hasMore && last) pagination.cursor = encodeCursor(last.seq);
  return { items, pagination };
}
