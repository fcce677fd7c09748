/** The analytics endpoint's 400s, in Unkey's envelope with `body.query` as the location. */
import { UnkeyApiError, errorTypes } from "../errors";

function queryError(type: string, detail: string): UnkeyApiError {
  return new UnkeyApiError(400, type, detail, [{ location: "body.query", message: detail }]);
}

export const invalidQuery = (detail: string) => queryError(errorTypes.analyticsQuery, detail);
export const invalidQueryType = () =>
  queryError(errorTypes.analyticsQueryType, "Only SELECT queries are allowed");
export const invalidTable = (name: string) =>
  queryError(errorTypes.analyticsTable, `Access to table '${name}' is not allowed`);
export const invalidFunction = (name: string) =>
  queryError(errorTypes.analyticsFunction, `Function '${name}' is not allowed`);
/** Allowed by Unkey, but outside the subset this sandbox implements. */
export const unsupported = (what: string) =>
  queryError(
    errorTypes.analyticsQuery,
    `${what} is allowed by Unkey but not supported by the sandbox's analytics emulator (see server/src/sandbox/unkey/README.md)`,
  );
