/**
 * Request body schemas, transcribed from the spec's `V2*RequestBody` schemas (required fields,
 * types, lengths, patterns, bounds, `additionalProperties: false`). A failure becomes a 400 whose
 * `errors[]` names each offending field as `body.<path>`, like Unkey's validator.
 */
import { z } from "zod";
import { UnkeyApiError, errorTypes, type ValidationIssue } from "./errors";

const int = () => z.number().int();
const idPattern = /^[a-zA-Z0-9_]+$/;
const externalIdPattern = /^[a-zA-Z0-9_.-]+$/;
const meta = z.record(z.string(), z.unknown()).refine((m) => Object.keys(m).length <= 100, {
  message: "must have at most 100 properties",
});
// int64's max is not representable as a double; the nearest double is what JSON parsing yields.
const MAX_INT64 = 2 ** 63;

export const ratelimitRequest = z.object({
  name: z.string().min(3).max(128),
  limit: int().min(1),
  duration: int().min(1000),
  autoApply: z.boolean().default(false),
});

const refill = z.strictObject({
  interval: z.enum(["daily", "monthly"]),
  amount: int().min(1).max(MAX_INT64),
  refillDay: int().min(1).max(31).optional(),
});

const keyCredits = z.strictObject({
  remaining: int().min(0).max(MAX_INT64).nullable(),
  refill: refill.optional(),
});

const keyId = z.string().min(3).max(255).regex(idPattern);

export const createKeyBody = z.strictObject({
  apiId: z.string().min(3).max(255).regex(idPattern),
  prefix: z.string().min(1).max(16).regex(idPattern).optional(),
  name: z.string().min(1).max(255).optional(),
  byteLength: int().min(16).max(255).optional(),
  externalId: z.string().min(1).max(255).regex(externalIdPattern).optional(),
  meta: meta.optional(),
  roles: z.array(z.string().min(1).max(128)).max(100).optional(),
  permissions: z
    .array(
      z
        .string()
        .min(1)
        .max(128)
        .regex(/^[a-zA-Z0-9_:\-.*]+$/),
    )
    .max(1000)
    .optional(),
  expires: int().min(0).max(4102444800000).optional(),
  credits: keyCredits.optional(),
  ratelimits: z.array(ratelimitRequest).max(50).optional(),
  enabled: z.boolean().optional(),
  recoverable: z.boolean().optional(),
});

export const getKeyBody = z.strictObject({
  keyId,
  decrypt: z.boolean().optional(),
});

export const deleteKeyBody = z.strictObject({
  keyId,
  permanent: z.boolean().optional(),
});

export const updateKeyBody = z.strictObject({
  keyId,
  name: z.string().min(1).max(255).nullable().optional(),
  externalId: z.string().min(1).max(255).regex(externalIdPattern).nullable().optional(),
  meta: meta.nullable().optional(),
  expires: int().min(0).max(4102444800000).nullable().optional(),
  credits: z
    .strictObject({
      remaining: int().min(0).max(MAX_INT64).nullable().optional(),
      refill: refill.nullable().optional(),
    })
    .nullable()
    .optional(),
  ratelimits: z.array(ratelimitRequest).max(50).optional(),
  enabled: z.boolean().optional(),
  roles: z.array(z.string().min(1).max(128)).max(100).optional(),
  permissions: z
    .array(
      z
        .string()
        .min(1)
        .max(128)
        .regex(/^[a-zA-Z0-9_:\-.*]+$/),
    )
    .max(1000)
    .optional(),
});

export const updateCreditsBody = z.strictObject({
  keyId: z.string().min(3),
  value: int().min(0).max(MAX_INT64).nullable().optional(),
  operation: z.enum(["set", "increment", "decrement"]),
});

export const verifyKeyBody = z.strictObject({
  key: z.string().min(1).max(512),
  tags: z.array(z.string().min(1).max(512)).max(20).optional(),
  permissions: z.string().min(1).max(1000).optional(),
  credits: z.strictObject({ cost: int().min(0).max(1_000_000_000_000) }).optional(),
  ratelimits: z
    .array(
      z.object({
        name: z.string().min(3).max(255),
        cost: int().min(0).optional(),
        limit: int().min(0).optional(),
        duration: int().min(0).optional(),
      }),
    )
    .optional(),
  migrationId: z.string().max(256).optional(),
});

export const listKeysBody = z.strictObject({
  apiId: z.string().min(1),
  limit: int().min(1).max(100).optional(),
  cursor: z.string().optional(),
  externalId: z.string().min(1).optional(),
  decrypt: z.boolean().optional(),
  revalidateKeysCache: z.boolean().optional(),
});

export const createIdentityBody = z.object({
  externalId: z.string().min(1).max(255).regex(externalIdPattern),
  meta: meta.optional(),
  ratelimits: z.array(ratelimitRequest).max(50).optional(),
});

export const getIdentityBody = z.strictObject({
  identity: z.string().min(1),
});

export const listIdentitiesBody = z.strictObject({
  limit: int().min(1).max(100).optional(),
  cursor: z.string().optional(),
  search: z.string().max(256).optional(),
});

export const updateIdentityBody = z.strictObject({
  identity: z.string().min(1),
  meta: meta.optional(),
  ratelimits: z.array(ratelimitRequest).max(50).optional(),
});

export const getVerificationsBody = z.object({
  query: z.string(),
});

function location(path: readonly PropertyKey[]): string {
  let out = "body";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `.${String(p)}`;
  return out;
}

/** Parse a body or throw the API's 400 naming every failing field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const res = schema.safeParse(body);
  if (res.success) return res.data;
  const errors: ValidationIssue[] = [];
  for (const issue of res.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        errors.push({
          location: location([...issue.path, k]),
          message: `property ${k} is not allowed`,
          fix: `Remove ${k}: the schema does not define it`,
        });
      }
      continue;
    }
    errors.push({ location: location(issue.path), message: issue.message });
  }
  const first = errors[0];
  throw new UnkeyApiError(
    400,
    errorTypes.invalidInput,
    first
      ? `POST request body failed validation: ${first.location}: ${first.message}`
      : "Invalid request body",
    errors,
  );
}
