/**
 * Test support: validates raw JSON bodies against the response schemas of the Unkey OpenAPI spec
 * (shared/specs/unkey/openapi-generated.yaml), resolving its `$ref`s with Ajv (draft 2020-12).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

const specPath = fileURLToPath(
  new URL("../../../../../specs/unkey/openapi-generated.yaml", import.meta.url),
);

interface Spec {
  paths: Record<
    string,
    {
      post?: {
        responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
      };
    }
  >;
}

let cached: { spec: Spec; ajv: Ajv2020 } | undefined;

function load() {
  if (cached) return cached;
  const spec = parse(readFileSync(specPath, "utf8")) as Spec & {
    components: { schemas: Record<string, Record<string, unknown>> };
  };
  // The spec writes BadRequestErrorDetails as allOf[BaseError, {errors}] while BaseError says
  // additionalProperties: false, so under JSON Schema no body with `errors` (required!) could ever
  // validate. The intent is one closed object: BaseError's properties plus `errors`.
  const schemas = spec.components.schemas;
  const base = schemas.BaseError as { properties: Record<string, unknown>; required: string[] };
  const details = schemas.BadRequestErrorDetails as {
    allOf: { properties?: Record<string, unknown> }[];
  };
  const extra = details.allOf[1]?.properties ?? {};
  schemas.BadRequestErrorDetails = {
    type: "object",
    properties: { ...base.properties, ...extra },
    required: [...base.required, "errors"],
    additionalProperties: false,
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const addFormats = addFormatsModule as unknown as (a: Ajv2020) => void;
  addFormats(ajv);
  for (const f of ["int", "int32", "int64"]) ajv.addFormat(f, true);
  ajv.addSchema({ ...spec, $id: "unkey-spec" });
  cached = { spec, ajv };
  return cached;
}

const genericErrorSchemas: Record<number, string> = {
  400: "#/components/schemas/BadRequestErrorResponse",
  401: "#/components/schemas/UnauthorizedErrorResponse",
  403: "#/components/schemas/ForbiddenErrorResponse",
  404: "#/components/schemas/NotFoundErrorResponse",
  409: "#/components/schemas/ConflictErrorResponse",
  422: "#/components/schemas/UnprocessableEntityErrorResponse",
  429: "#/components/schemas/TooManyRequestsErrorResponse",
  500: "#/components/schemas/InternalServerErrorResponse",
  503: "#/components/schemas/ServiceUnavailableErrorResponse",
};

const validators = new Map<string, ValidateFunction>();

/** The schema the spec declares for `POST /v2/<endpoint>` answering `status`, or undefined. */
export function responseSchemaRef(endpoint: string, status: number): string | undefined {
  const { spec } = load();
  const op = spec.paths[`/v2/${endpoint}`]?.post;
  const content = op?.responses[String(status)]?.content;
  const media = content?.["application/json"] ?? content?.["application/problem+json"];
  return media?.schema.$ref;
}

/** Validate a raw response body; returns a list of problems (empty when valid). */
export function validateResponse(endpoint: string, status: number, body: unknown): string[] {
  // An injected fault may use a status the endpoint does not declare (503 on keys.getKey): such
  // bodies must still match the spec's error schema for that status.
  const ref = responseSchemaRef(endpoint, status) ?? genericErrorSchemas[status];
  if (!ref) return [`the spec declares no ${status} response for ${endpoint}`];
  const { ajv } = load();
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: `unkey-spec${ref}` });
    validators.set(ref, v);
  }
  if (v(body)) return [];
  return (v.errors ?? []).map(
    (e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`,
  );
}
