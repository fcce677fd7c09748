/**
 * Stripe's error envelope. The stripe SDK picks its error class from the HTTP status and
 * `error.type` (400/404 → StripeInvalidRequestError, or StripeIdempotencyError when the type is
 * `idempotency_error`; 401 → StripeAuthenticationError; 429 → StripeRateLimitError; else
 * StripeAPIError), and it resolves any answer without an `error` object as a success, so every
 * failure must come through here.
 */
export type StripeErrorType =
  "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";

export interface StripeErrorBody {
  type?: StripeErrorType;
  code?: string;
  message: string;
  param?: string;
}

export class StripeError extends Error {
  readonly status: number;
  readonly body: Required<Pick<StripeErrorBody, "type" | "message">> & StripeErrorBody;
  readonly headers: Record<string, string>;

  constructor(status: number, body: StripeErrorBody, headers: Record<string, string> = {}) {
    super(body.message);
    this.status = status;
    this.body = {
      type: body.type ?? (status >= 500 ? "api_error" : "invalid_request_error"),
      ...body,
    };
    this.headers = headers;
  }

  toJSON(): { error: Record<string, string> } {
    const error: Record<string, string> = {};
    // Key order as Stripe writes it; doc_url only where there is a code to document.
    if (this.body.code) {
      error.code = this.body.code;
      error.doc_url = `https://stripe.com/docs/error-codes/${this.body.code.replace(/_/g, "-")}`;
    }
    error.message = this.body.message;
    if (this.body.param) error.param = this.body.param;
    error.type = this.body.type;
    return { error };
  }
}

export const missingParam = (param: string): StripeError =>
  new StripeError(400, {
    code: "parameter_missing",
    message: `Missing required param: ${param}.`,
    param,
  });

export const unknownParam = (param: string): StripeError =>
  new StripeError(400, {
    code: "parameter_unknown",
    message: `Received unknown parameter: ${param}`,
    param,
  });

export const invalidParam = (param: string, message: string, code?: string): StripeError =>
  new StripeError(400, { message, param, ...(code ? { code } : {}) });

/** A documented Stripe parameter the sandbox does not emulate: loud, so nobody relies on it. */
export const unsupportedParam = (param: string): StripeError =>
  new StripeError(400, {
    message: `The Stripe sandbox does not support the parameter \`${param}\` on this endpoint.`,
    param,
  });

/** `No such customer: 'cus_x'`. Path ids answer 404 with param `id`; ids inside the params 400. */
export const noSuch = (
  resource: string,
  id: string,
  param: string,
  status: 400 | 404 = 400,
): StripeError =>
  new StripeError(status, {
    code: "resource_missing",
    message: `No such ${resource}: '${id}'`,
    param,
  });

export const unrecognizedUrl = (method: string, path: string): StripeError =>
  new StripeError(404, {
    message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  });
