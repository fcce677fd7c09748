/**
 * The console's Unkey client: the only code that imports @unkey/api. Reads retry briefly with
 * backoff (they are safe to repeat); writes never retry inside the SDK, because an Unkey credit
 * update has no idempotency key and a blind retry could apply it twice.
 */
import { Unkey } from "@unkey/api";
import * as errors from "@unkey/api/models/errors";
import { WriteEpoch } from "./coalesce";
import { UpstreamError, kindForStatus, retryAfterMs } from "./errors";
import type { Credits, Page, Pool, UpstreamIdentity, UpstreamKey } from "./types";

export interface UnkeyClientOptions {
  rootKey: string;
  apiId: string;
  /** Base URL of a self-hosted Unkey or the sandbox emulator; default the public API. */
  baseUrl?: string | undefined;
  timeoutMs?: number;
  /** Total time budget for retrying a read. 0 disables read retries (tests of fault handling). */
  readRetryBudgetMs?: number;
}

type RawRatelimit = { name: string; limit: number; duration: number; autoApply: boolean };
type RawCredits = {
  remaining: number | null;
  refill?: { interval: string; amount: number; refillDay?: number | undefined } | undefined;
};

const toPools = (r: RawRatelimit[] | undefined): Pool[] =>
  (r ?? []).map((x) => ({
    name: x.name,
    limit: x.limit,
    durationMs: x.duration,
    autoApply: x.autoApply,
  }));

/** The inverse of `toPools`, for writes. */
const toRawPools = (pools: Pool[]): RawRatelimit[] =>
  pools.map((r) => ({
    name: r.name,
    limit: r.limit,
    duration: r.durationMs,
    autoApply: r.autoApply,
  }));

const toCredits = (c: RawCredits | undefined): Credits | null =>
  c
    ? {
        remaining: c.remaining,
        refill: c.refill
          ? {
              interval: c.refill.interval === "daily" ? "daily" : "monthly",
              amount: c.refill.amount,
              refillDay: c.refill.refillDay ?? null,
            }
          : null,
      }
    : null;

type RawKey = {
  keyId: string;
  start: string;
  enabled: boolean;
  name?: string | undefined;
  meta?: Record<string, unknown> | undefined;
  createdAt: number;
  lastUsedAt?: number | undefined;
  expires?: number | undefined;
  credits?: RawCredits | undefined;
  identity?: { id: string; externalId: string } | undefined;
  ratelimits?: RawRatelimit[] | undefined;
};

const toKey = (k: RawKey): UpstreamKey => ({
  keyId: k.keyId,
  start: k.start,
  name: k.name ?? null,
  enabled: k.enabled,
  createdAt: k.createdAt ?? null,
  lastUsedAt: k.lastUsedAt ?? null,
  expires: k.expires ?? null,
  meta: k.meta ?? {},
  credits: toCredits(k.credits),
  identity: k.identity ? { id: k.identity.id, externalId: k.identity.externalId } : null,
  ratelimits: toPools(k.ratelimits),
});

export function mapUnkeyError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof errors.RequestTimeoutError || err instanceof errors.RequestAbortedError) {
    return new UpstreamError("unkey", "timeout", err.message, undefined, undefined, { cause: err });
  }
  if (err instanceof errors.ConnectionError || err instanceof errors.HTTPClientError) {
    return new UpstreamError("unkey", "unavailable", "connection failed", undefined, undefined, {
      cause: err,
    });
  }
  if (err instanceof errors.ResponseValidationError || err instanceof errors.SDKValidationError) {
    return new UpstreamError(
      "unkey",
      "malformed",
      err.message.slice(0, 200),
      undefined,
      undefined,
      {
        cause: err,
      },
    );
  }
  if (err instanceof errors.UnkeyError) {
    const detail = unkeyDetail(err.body) ?? err.message;
    return new UpstreamError(
      "unkey",
      kindForStatus(err.statusCode),
      detail,
      err.statusCode,
      retryAfterMs(err.headers),
      { cause: err },
    );
  }
  return new UpstreamError("unkey", "unavailable", String(err), undefined, undefined, {
    cause: err,
  });
}

function unkeyDetail(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { detail?: string; title?: string } };
    return parsed.error?.detail ?? parsed.error?.title;
  } catch {
    return undefined;
  }
}

export function createUnkeyClient(opts: UnkeyClientOptions) {
  const budget = opts.readRetryBudgetMs ?? 3_000;
  const sdk = new Unkey({
    rootKey: opts.rootKey,
    ...(opts.baseUrl ? { serverURL: opts.baseUrl } : {}),
    timeoutMs: opts.timeoutMs ?? 10_000,
    // Default: no retries. Reads opt in below with a short, deliberate budget.
    retryConfig: { strategy: "none" },
  });
  const read = {
    retries:
      budget > 0
        ? ({
            strategy: "backoff",
            backoff: {
              initialInterval: 200,
              maxInterval: 1_000,
              exponent: 2,
              maxElapsedTime: budget,
            },
            retryConnectionErrors: true,
          } as const)
        : ({ strategy: "none" } as const),
    retryCodes: ["429", "500", "502", "503", "504"],
  };

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapUnkeyError(err);
    }
  }

  // Moves around every write, so read caches never hand out an answer that predates one.
  const writes = new WriteEpoch();

  return {
    apiId: opts.apiId,

    /** Changes whenever a write through this client starts or settles (see ./coalesce.ts). */
    writeEpoch(): number {
      return writes.current;
    },

    async listIdentities(p: { limit: number; cursor?: string | undefined; search?: string }) {
      return call(async () => {
        const page = await sdk.identities.listIdentities(
          {
            limit: p.limit,
            ...(p.cursor ? { cursor: p.cursor } : {}),
            ...(p.search ? { search: p.search } : {}),
          },
          read,
        );
        const body = page.result;
        return {
          items: body.data.map((i): UpstreamIdentity => ({
            id: i.id,
            externalId: i.externalId,
            meta: i.meta ?? {},
            ratelimits: toPools(i.ratelimits),
          })),
          cursor: body.pagination?.hasMore ? (body.pagination.cursor ?? null) : null,
        } satisfies Page<UpstreamIdentity>;
      });
    },

    async getIdentity(externalIdOrId: { externalId: string } | { identityId: string }) {
      return call(async () => {
        const r = await sdk.identities.getIdentity(
          "externalId" in externalIdOrId
            ? { identity: externalIdOrId.externalId }
            : { identity: externalIdOrId.identityId },
          read,
        );
        const i = r.data;
        return {
          id: i.id,
          externalId: i.externalId,
          meta: i.meta ?? {},
          ratelimits: toPools(i.ratelimits),
        } satisfies UpstreamIdentity;
      });
    },

    async listKeys(p: { limit: number; cursor?: string | undefined; externalId?: string }) {
      return call(async () => {
        const page = await sdk.apis.listKeys(
          {
            apiId: opts.apiId,
            limit: p.limit,
            ...(p.cursor ? { cursor: p.cursor } : {}),
            ...(p.externalId ? { externalId: p.externalId } : {}),
          },
          read,
        );
        const body = page.result;
        return {
          items: body.data.map(toKey),
          cursor: body.pagination?.hasMore ? (body.pagination.cursor ?? null) : null,
        } satisfies Page<UpstreamKey>;
      });
    },

    /** All keys of one identity (follows pages). */
    async keysOf(externalId: string): Promise<UpstreamKey[]> {
      const out: UpstreamKey[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.listKeys({ limit: 100, cursor, externalId });
        out.push(...page.items);
        cursor = page.cursor ?? undefined;
      } while (cursor);
      return out;
    },

    /**
     * Runs an analytics SELECT (built by server/src/analytics). No retries on 429: the quota is
     * per hour, so the analytics gateway serves cached data instead of hammering it.
     */
    async getVerifications(query: string): Promise<Record<string, unknown>[]> {
      return call(async () => {
        const r = await sdk.analytics.getVerifications(
          { query },
          { ...read, retryCodes: ["500", "502", "503", "504"] },
        );
        return r.data;
      });
    },

    async getKey(keyId: string) {
      return call(async () => toKey((await sdk.keys.getKey({ keyId }, read)).data as RawKey));
    },

    // Writes. None retries: the SDK's client-wide retry strategy is "none" and these pass no
    // override. The operation executor decides what to do after an uncertain outcome.

    /** `increment` / `decrement` / `set` a key's credits; returns the balance Unkey reports. */
    async updateCredits(p: {
      keyId: string;
      operation: "increment" | "decrement" | "set";
      value: number;
    }): Promise<{ remaining: number | null }> {
      return writes.around(() =>
        call(async () => {
          const r = await sdk.keys.updateCredits({
            keyId: p.keyId,
            operation: p.operation,
            value: p.value,
          });
          return { remaining: r.data.remaining ?? null };
        }),
      );
    },

    /** Sets a key's credits (remaining + refill), ratelimits and meta in one request. */
    async updateKey(p: {
      keyId: string;
      credits?: {
        remaining: number;
        refill: { interval: "daily" | "monthly"; amount: number; refillDay?: number };
      };
      ratelimits?: Pool[];
      meta?: Record<string, unknown>;
    }): Promise<void> {
      await writes.around(() =>
        call(() =>
          sdk.keys.updateKey({
            keyId: p.keyId,
            ...(p.credits ? { credits: p.credits } : {}),
            ...(p.ratelimits ? { ratelimits: toRawPools(p.ratelimits) } : {}),
            ...(p.meta ? { meta: p.meta } : {}),
          }),
        ),
      );
    },

    /** Replaces an identity's meta and/or ratelimits. */
    async updateIdentity(p: {
      externalId: string;
      meta?: Record<string, unknown>;
      ratelimits?: Pool[];
    }): Promise<void> {
      await writes.around(() =>
        call(() =>
          sdk.identities.updateIdentity({
            identity: p.externalId,
            ...(p.meta ? { meta: p.meta } : {}),
            ...(p.ratelimits ? { ratelimits: toRawPools(p.ratelimits) } : {}),
          }),
        ),
      );
    },
  };
}
export type UnkeyClient = ReturnType<typeof createUnkeyClient>;
