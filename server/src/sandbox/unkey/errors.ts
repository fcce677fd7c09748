/**
 * Unkey's error envelope. The `type` URLs follow Unkey's own scheme
 * (`https://unkey.com/docs/errors/<system>/<category>/<specific>`, see unkeyed/unkey
 * go/pkg/codes), so a console that branches on `error.type` behaves the same in sandbox and live.
 */
import type { EmulatorResponse } from "../core/http";

export interface ValidationIssue {
  location: string;
  message: string;
  fix?: string;
}

const DOCS = "https://unkey.com/docs/errors";

export const errorTypes = {
  invalidInput: `${DOCS}/unkey/application/invalid_input`,
  authMissing: `${DOCS}/unkey/authentication/missing`,
  authMalformed: `${DOCS}/unkey/authentication/malformed`,
  authKeyNotFound: `${DOCS}/unkey/authentication/key_not_found`,
  keyNotFound: `${DOCS}/unkey/data/key_not_found`,
  apiNotFound: `${DOCS}/unkey/data/api_not_found`,
  identityNotFound: `${DOCS}/unkey/data/identity_not_found`,
  identityExists: `${DOCS}/unkey/data/identity_already_exists`,
  routeNotFound: `${DOCS}/unkey/data/route_not_found`,
  analyticsQuery: `${DOCS}/user/bad_request/invalid_analytics_query`,
  analyticsTable: `${DOCS}/user/bad_request/invalid_analytics_table`,
  analyticsFunction: `${DOCS}/user/bad_request/invalid_analytics_function`,
  analyticsQueryType: `${DOCS}/user/bad_request/invalid_analytics_query_type`,
  queryQuotaExceeded: `${DOCS}/user/too_many_requests/query_quota_exceeded`,
  workspaceRateLimited: `${DOCS}/user/too_many_requests/workspace_rate_limited`,
  queryRowsExceeded: `${DOCS}/user/unprocessable_entity/query_result_rows_limit_exceeded`,
  forbidden: `${DOCS}/unkey/authorization/forbidden`,
  unexpected: `${DOCS}/unkey/application/unexpected_error`,
  serviceUnavailable: `${DOCS}/unkey/application/service_unavailable`,
} as const;

const titles: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Thrown by handlers; turned into the envelope by the router. */
export class UnkeyApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
    readonly errors?: ValidationIssue[],
  ) {
    super(detail);
    this.name = "UnkeyApiError";
  }
}

export function badRequest(
  detail: string,
  location = "body",
  type: string = errorTypes.invalidInput,
): UnkeyApiError {
  return new UnkeyApiError(400, type, detail, [{ location, message: detail }]);
}

export function errorResponse(
  requestId: string,
  status: number,
  type: string,
  detail: string,
  errors?: ValidationIssue[],
): EmulatorResponse {
  const error: Record<string, unknown> = {
    title: titles[status] ?? "Error",
    detail,
    status,
    type,
  };
  // BadRequestErrorDetails requires `errors`; every other status uses BaseError, which forbids it.
  if (status === 400) error.errors = errors ?? [{ location: "body", message: detail }];
  return {
    status,
    body: { meta: { requestId }, error },
    // The spec (and the SDK's matcher) expect 429 bodies as problem+json, everything else as JSON.
    headers: { "content-type": status === 429 ? "application/problem+json" : "application/json" },
  };
}

/** The envelope for an injected fault of a given status. */
export function faultTypeFor(status: number): string {
  switch (status) {
    case 400:
      return errorTypes.invalidInput;
    case 401:
      return errorTypes.authKeyNotFound;
    case 403:
      return errorTypes.forbidden;
    case 404:
      return errorTypes.routeNotFound;
    case 422:
      return errorTypes.queryRowsExceeded;
    case 429:
      return errorTypes.workspaceRateLimited;
    case 503:
      return errorTypes.serviceUnavailable;
    default:
      return errorTypes.unexpected;
  }
}
