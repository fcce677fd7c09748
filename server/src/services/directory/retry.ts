/**
 * Retrying upstream reads during a sync: exponential backoff with jitter (p-retry), and when the
 * upstream says how long to wait (429/503 `Retry-After`), at least that long. Only failures that
 * can pass are retried (rate limits, 5xx, dropped connections, timeouts); a 400 or 401 fails fast.
 */
import { setTimeout as sleep } from "node:timers/promises";
import pRetry from "p-retry";
import { UpstreamError } from "../../upstream/errors";

export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Longest Retry-After we honour; longer ones are capped (a sync must eventually finish). */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 8,
  minTimeoutMs: 250,
  maxTimeoutMs: 10_000,
  maxRetryAfterMs: 60_000,
};

const retryable = (err: unknown) =>
  err instanceof UpstreamError &&
  (err.kind === "rate_limited" || err.kind === "unavailable" || err.kind === "timeout");

export function withRetry<T>(
  fn: () => Promise<T>,
  policy: RetryPolicy,
  opts: {
    signal?: AbortSignal | undefined;
    onRetry?: (err: UpstreamError, waitMs: number) => void;
  } = {},
): Promise<T> {
  return pRetry(fn, {
    retries: policy.retries,
    factor: 2,
    minTimeout: policy.minTimeoutMs,
    maxTimeout: policy.maxTimeoutMs,
    randomize: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
    shouldRetry: ({ error }) => retryable(error),
    async onFailedAttempt({ error, retryDelay, retriesLeft }) {
      if (!(error instanceof UpstreamError) || !retryable(error) || retriesLeft === 0) return;
      const asked = Math.min(error.retryAfterMs ?? 0, policy.maxRetryAfterMs);
      // p-retry then waits retryDelay more: together at least Retry-After, plus jitter.
      const extra = Math.max(0, asked - retryDelay);
      opts.onRetry?.(error, extra + retryDelay);
      if (extra > 0) await sleep(extra, undefined, opts.signal ? { signal: opts.signal } : {});
    },
  });
}
