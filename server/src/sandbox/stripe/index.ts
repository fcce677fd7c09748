/**
 * A stateful Stripe API emulator for the sandbox: the v1 endpoints the console uses, over the
 * sandbox database and clock, answering the way api.stripe.com does so the real `stripe` SDK
 * can be pointed at it (`host`/`port`/`protocol`). core/http.ts serves it and applies faults.
 */
import type { EmulatorDeps, StripeEmulatorApi } from "../core/contracts";
import type { FaultRule } from "../core/faults";
import type { EmulatorRequest, EmulatorResponse } from "../core/http";
import type { Ctx } from "./context";
import { StripeError, unrecognizedUrl } from "./errors";
import { decodeForm, encodeForm, type FormParams } from "./form";
import { checkIdempotencyKey, fingerprint, shouldKeep } from "./idempotency";
import { endpointOf, matchRoute } from "./router";
import { hashId, StripeStore } from "./store";

export { StripeError } from "./errors";
export { decodeForm, encodeForm } from "./form";

const DEFAULT_SECRET_KEY = "sk_test_sandbox";

function header(headers: EmulatorRequest["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Stripe masks all but the prefix and the last four characters of a rejected key. */
function maskKey(key: string): string {
  const m = /^((?:sk|rk|pk)_(?:test|live)_)(.*)$/.exec(key);
  const prefix = m?.[1] ?? "";
  const rest = m?.[2] ?? key;
  return prefix + "*".repeat(Math.max(0, rest.length - 4)) + rest.slice(-4);
}

export class StripeEmulator implements StripeEmulatorApi {
  readonly name = "stripe";
  readonly secretKey: string;
  private readonly store: StripeStore;
  private readonly clock: EmulatorDeps["clock"];
  private requestSeq = 0;

  constructor(deps: EmulatorDeps & { secretKey?: string }) {
    this.secretKey = deps.secretKey ?? DEFAULT_SECRET_KEY;
    this.store = new StripeStore(deps.db);
    this.clock = deps.clock;
  }

  endpointOf(req: Pick<EmulatorRequest, "method" | "path">): string {
    return endpointOf(req.method.toUpperCase(), req.path);
  }

  handle(req: EmulatorRequest): EmulatorResponse {
    const requestId = hashId("req", `${++this.requestSeq}`, 14);
    const headers: Record<string, string> = { "request-id": requestId };
    const version = header(req.headers, "stripe-version");
    if (version) headers["stripe-version"] = version;
    try {
      return this.dispatch(req, requestId, headers);
    } catch (err) {
      if (!(err instanceof StripeError)) throw err;
      return { status: err.status, body: err.toJSON(), headers: { ...headers, ...err.headers } };
    }
  }

  private authenticate(req: EmulatorRequest): void {
    const auth = header(req.headers, "authorization");
    let key: string | undefined;
    if (auth?.startsWith("Bearer ")) key = auth.slice(7).trim();
    else if (auth?.startsWith("Basic ")) {
      // `curl -u sk_test_…:` sends the key as the Basic user name with an empty password.
      key = Buffer.from(auth.slice(6), "base64").toString("utf8").split(":")[0];
    }
    if (!key) {
      throw new StripeError(401, {
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      });
    }
    if (key !== this.secretKey) {
      throw new StripeError(401, { message: `Invalid API Key provided: ${maskKey(key)}` });
    }
  }

  private dispatch(
    req: EmulatorRequest,
    requestId: string,
    headers: Record<string, string>,
  ): EmulatorResponse {
    this.authenticate(req);
    const method = req.method.toUpperCase();
    const path = req.path.replace(/\/+$/, "");
    const match = matchRoute(method, path);
    if (!match) throw unrecognizedUrl(method, path);
    const params: FormParams = method === "POST" ? decodeForm(req.body) : decodeForm(req.query);
    const now = Math.floor(this.clock.now() / 1000);

    const key = method === "POST" ? header(req.headers, "idempotency-key") : undefined;
    let print = "";
    if (key !== undefined) {
      headers["idempotency-key"] = key;
      print = fingerprint(method, path, params);
      const found = checkIdempotencyKey(this.store, key, print, now);
      if (found.kind === "replay") {
        return {
          status: found.row.status,
          body: JSON.parse(found.row.body) as unknown,
          headers: {
            ...headers,
            "idempotent-replayed": "true",
            "original-request": found.row.requestId,
          },
        };
      }
    }

    let status = 200;
    let body: unknown;
    let extra: Record<string, string> = {};
    try {
      body = this.store.transaction(() => {
        const ctx: Ctx = { store: this.store, now, params, pathParams: match.pathParams, path };
        return match.route.handler(ctx);
      });
    } catch (err) {
      if (!(err instanceof StripeError)) throw err;
      status = err.status;
      body = err.toJSON();
      extra = err.headers;
    }
    if (key !== undefined && shouldKeep(status)) {
      this.store.putIdempotency(key, {
        fingerprint: print,
        status,
        body: JSON.stringify(body),
        requestId,
        created: now,
      });
    }
    return { status, body, headers: { ...headers, ...extra } };
  }

  /** The same request path as HTTP (auth, form decoding, idempotency), without transport or
   * faults. Params are encoded the way the SDK encodes them, so both paths validate alike. */
  async call(
    method: string,
    path: string,
    params: Record<string, unknown> = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<EmulatorResponse> {
    const m = method.toUpperCase();
    const encoded = encodeForm(params);
    const headers: EmulatorRequest["headers"] = { authorization: `Bearer ${this.secretKey}` };
    if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
    return this.handle({
      method: m,
      path,
      query: new URLSearchParams(m === "POST" ? "" : encoded),
      headers,
      body: m === "POST" ? encoded : "",
    });
  }

  faultResponse(status: number, rule: FaultRule): EmulatorResponse {
    const headers = { "request-id": hashId("req", `fault:${++this.requestSeq}`, 14) };
    let err: StripeError;
    if (status === 429) {
      err = new StripeError(429, {
        code: "rate_limit",
        message:
          "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
      });
    } else if (status === 409) {
      err = new StripeError(409, {
        code: "idempotency_key_in_use",
        message:
          "There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.",
      });
    } else if (status >= 500) {
      err = new StripeError(status, {
        type: "api_error",
        message: `Sorry, something went wrong on Stripe's end (injected ${status} fault on ${rule.endpoint}). Please try again.`,
      });
    } else {
      err = new StripeError(status, { message: `Injected ${status} fault on ${rule.endpoint}.` });
    }
    return {
      status,
      body: err.toJSON(),
      headers: {
        ...headers,
        ...(status === 429 || status >= 500 ? { "stripe-should-retry": "true" } : {}),
      },
    };
  }

  reset(): void {
    this.store.reset();
    this.requestSeq = 0;
  }
}
