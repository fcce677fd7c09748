/**
 * The console's Stripe client: the only code that imports `stripe`. The SDK retries network
 * errors and 409/429/5xx itself, and it is safe because every write we make carries an
 * idempotency key (the operation id); reads use the same small retry count.
 */
import Stripe from "stripe";
import { UpstreamError, kindForStatus } from "./errors";

export interface StripeClientOptions {
  secretKey: string;
  /** Base URL of a Stripe-compatible server (the sandbox emulator, a proxy); default api.stripe.com. */
  baseUrl?: string | undefined;
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

export function mapStripeError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof Stripe.errors.StripeConnectionError) {
    return new UpstreamError("stripe", "unavailable", "connection failed", undefined, undefined, {
      cause: err,
    });
  }
  if (err instanceof Stripe.errors.StripeError) {
    const status = err.statusCode;
    if (err instanceof Stripe.errors.StripeIdempotencyError) {
      return new UpstreamError("stripe", "conflict", err.message, status, undefined, {
        cause: err,
      });
    }
    const header = err.headers?.["retry-after"];
    const retryAfter = header ? Number(header) * 1000 : undefined;
    return new UpstreamError(
      "stripe",
      status ? kindForStatus(status) : "unavailable",
      err.message,
      status,
      Number.isFinite(retryAfter) ? retryAfter : undefined,
      { cause: err },
    );
  }
  return new UpstreamError("stripe", "unavailable", String(err), undefined, undefined, {
    cause: err,
  });
}

export function createStripeClient(opts: StripeClientOptions) {
  const url = opts.baseUrl ? new URL(opts.baseUrl) : undefined;
  const sdk = new Stripe(opts.secretKey, {
    ...(url
      ? {
          host: url.hostname,
          port: url.port || (url.protocol === "https:" ? "443" : "80"),
          protocol: url.protocol === "https:" ? "https" : "http",
        }
      : {}),
    timeout: opts.timeoutMs ?? 10_000,
    maxNetworkRetries: opts.maxNetworkRetries ?? 2,
    telemetry: false,
    appInfo: { name: "credits-console" },
  });

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapStripeError(err);
    }
  }

  return {
    async retrieveCustomer(id: string) {
      return call(async () => {
        const c = await sdk.customers.retrieve(id);
        if (c.deleted) return null;
        return {
          id: c.id,
          name: c.name ?? null,
          email: c.email ?? null,
          metadata: c.metadata,
        };
      });
    },
  };
}
export type StripeClient = ReturnType<typeof createStripeClient>;
