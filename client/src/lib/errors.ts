import { TRPCClientError } from "@trpc/client";

/** The tRPC error code (e.g. "UNAUTHORIZED") of an error, if it came from the server. */
export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    if (data && typeof data === "object" && "code" in data && typeof data.code === "string") {
      return data.code;
    }
  }
  return undefined;
}

/** A message a person can read. Server messages are shown as they are. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    // A network failure surfaces as a TRPCClientError without data.
    if (!error.data && /fetch|network/i.test(error.message)) {
      return "Cannot reach the console server. Check your connection and try again.";
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}

const NO_RETRY = new Set([
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "PARSE_ERROR",
  "METHOD_NOT_SUPPORTED",
  "UNPROCESSABLE_CONTENT",
  "TOO_MANY_REQUESTS",
  "PRECONDITION_FAILED",
]);

/** Client errors will fail the same way again; only transient ones are worth retrying. */
export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return code === undefined || !NO_RETRY.has(code);
}
