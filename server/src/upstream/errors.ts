/**
 * One error type for everything that goes wrong upstream. The SDK-specific mapping lives beside
 * each client; routers turn `UpstreamError` into a tRPC error in one place (trpc.ts).
 */
export type UpstreamService = "unkey" | "stripe";

export type UpstreamErrorKind =
  | "unavailable" // 5xx, or the service could not be reached
  | "timeout" // no answer in time: the outcome of a write is unknown
  | "rate_limited" // 429
  | "not_found" // 404
  | "invalid" // 400/422: our request was wrong
  | "conflict" // 409 / idempotency conflicts
  | "auth" // 401/403: credentials are wrong or lack permission
  | "malformed"; // the answer did not match the API's schema

const serviceName: Record<UpstreamService, string> = { unkey: "Unkey", stripe: "Stripe" };

export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(
    readonly service: UpstreamService,
    readonly kind: UpstreamErrorKind,
    /** What the upstream said, for logs and for the person reading the message. */
    readonly detail: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(describe(service, kind, detail, status), options);
  }

  /** True when a write may or may not have taken effect (no answer was received). */
  get outcomeUnknown(): boolean {
    return this.kind === "timeout" || (this.kind === "unavailable" && this.status === undefined);
  }
}

function describe(
  service: UpstreamService,
  kind: UpstreamErrorKind,
  detail: string,
  status?: number,
): string {
  const name = serviceName[service];
  const code = status ? ` (${status})` : "";
  switch (kind) {
    case "unavailable":
      return status
        ? `${name} is unavailable${code}, try again`
        : `${name} could not be reached (${detail}), try again`;
    case "timeout":
      return `${name} did not answer in time, try again`;
    case "rate_limited":
      return `${name} is rate limiting the console${code}, try again in a moment`;
    case "not_found":
      return `${name}: not found${code}: ${detail}`;
    case "invalid":
      return `${name} rejected the request${code}: ${detail}`;
    case "conflict":
      return `${name} reported a conflict${code}: ${detail}`;
    case "auth":
      return `${name} refused the console's credentials${code}; check the configured key and its permissions`;
    case "malformed":
      return `${name} sent an unexpected answer: ${detail}`;
  }
}

export function kindForStatus(status: number): UpstreamErrorKind {
  if (status === 404) return "not_found";
  if (status === 401 || status === 403) return "auth";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "invalid";
}

export function retryAfterMs(headers: { get(name: string): string | null } | undefined) {
  const v = headers?.get("retry-after");
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
