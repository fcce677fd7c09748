/**
 * Per-endpoint parameter schemas. Form values are all strings, so these field builders parse
 * integers and booleans the way Stripe does, and `parseParams` turns the first zod issue into the
 * error Stripe would give for it (unknown parameter, missing parameter, invalid integer, invalid
 * enum value), with `param` in Stripe's bracket notation (`items[0][price]`).
 */
import { z } from "zod";
import {
  invalidParam,
  missingParam,
  unknownParam,
  unsupportedParam,
  type StripeError,
} from "./errors";
import type { FormParams } from "./form";

const INT_MSG = "stripe:int";
const BOOL_MSG = "stripe:bool";
const NUM_MSG = "stripe:number";
const UNSUPPORTED_MSG = "stripe:unsupported";

export const int = () =>
  z
    .string()
    .regex(/^-?\d+$/, INT_MSG)
    .transform(Number)
    .refine((n) => Number.isSafeInteger(n), INT_MSG);

export const bool = () =>
  z
    .string()
    .refine((v) => v === "true" || v === "false", BOOL_MSG)
    .transform((v) => v === "true");

/** A decimal number as a string (e.g. `unit_amount_decimal`); kept as the canonical string. */
export const decimal = () =>
  z
    .string()
    .regex(/^-?(\d+(\.\d*)?|\.\d+)$/, NUM_MSG)
    .transform((v) => (String(Number(v)) === v ? v : trimDecimal(v)));

function trimDecimal(v: string): string {
  if (!v.includes(".")) return v.replace(/^(-?)0+(?=\d)/, "$1");
  return v.replace(/^(-?)0+(?=\d)/, "$1").replace(/\.?0+$/, "") || "0";
}

export const str = () => z.string();

/** `""` clears the field (Stripe's "emptyable"): parsed as null. */
export const emptyableStr = () => z.string().transform((v) => (v === "" ? null : v));

/** Metadata: a string map whose `""` values unset keys, or `""` for the whole map to clear it. */
export const metadata = () =>
  z.union([z.literal("").transform(() => null), z.record(z.string().max(40), z.string().max(500))]);

export const expand = () => z.array(z.string()).optional();

export const pagination = {
  limit: int()
    .refine((n) => n >= 1 && n <= 100, "stripe:limit")
    .optional(),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
};

/** A range filter (`created[gte]=…`) or an exact value (`created=…`). */
export const range = () =>
  z.union([
    int(),
    z.strictObject({
      gt: int().optional(),
      gte: int().optional(),
      lt: int().optional(),
      lte: int().optional(),
    }),
  ]);
export type RangeFilter = number | { gt?: number; gte?: number; lt?: number; lte?: number };

export function inRange(value: number, r: RangeFilter | undefined): boolean {
  if (r === undefined) return true;
  if (typeof r === "number") return value === r;
  return (
    (r.gt === undefined || value > r.gt) &&
    (r.gte === undefined || value >= r.gte) &&
    (r.lt === undefined || value < r.lt) &&
    (r.lte === undefined || value <= r.lte)
  );
}

/** A documented parameter the sandbox rejects explicitly instead of silently ignoring. */
export const unsupported = () =>
  z
    .unknown()
    .refine(() => false, UNSUPPORTED_MSG)
    .optional();

/** Stripe's bracket notation for a zod path: ["items", 0, "price"] → `items[0][price]`. */
export function paramName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return (head ?? "") + rest.map((p) => `[${p}]`).join("");
}

function enumMessage(param: string, values: readonly unknown[]): string {
  const vs = values.map(String);
  const list = vs.length > 1 ? `${vs.slice(0, -1).join(", ")}, or ${vs.at(-1)}` : (vs[0] ?? "");
  return `Invalid ${param}: must be one of ${list}`;
}

function issueToError(issue: z.core.$ZodIssue): StripeError {
  const param = paramName(issue.path);
  const input = "input" in issue ? issue.input : undefined;
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0] ?? "";
      return unknownParam(param ? `${param}[${key}]` : key);
    }
    case "invalid_type":
      if (input === undefined) return missingParam(param);
      if (issue.expected === "array") return invalidParam(param, `Invalid array`);
      if (issue.expected === "object" || issue.expected === "record")
        return invalidParam(param, `Invalid object`);
      return invalidParam(param, `Invalid ${param}: expected ${issue.expected}`);
    case "invalid_value":
      return invalidParam(param, enumMessage(param, issue.values));
    default:
      break;
  }
  switch (issue.message) {
    case INT_MSG:
      return invalidParam(param, `Invalid integer: ${String(input)}`, "parameter_invalid_integer");
    case BOOL_MSG:
      return invalidParam(param, `Invalid boolean: ${String(input)}`);
    case NUM_MSG:
      return invalidParam(param, `Invalid decimal: ${String(input)}`);
    case UNSUPPORTED_MSG:
      return unsupportedParam(param);
    case "stripe:limit":
      return invalidParam(param, `Invalid ${param}: must be between 1 and 100`);
    default:
      return invalidParam(
        param,
        issue.message.startsWith("stripe:") ? `Invalid ${param}` : issue.message,
      );
  }
}

/** Validate decoded form params; the first problem becomes Stripe's error for it. */
export function parseParams<S extends z.ZodType>(schema: S, params: FormParams): z.output<S> {
  const r = schema.safeParse(params, { reportInput: true });
  if (r.success) return r.data;
  const issues = r.error.issues;
  // Stripe reports unknown parameters before anything else, then missing ones.
  const first =
    issues.find((i) => i.code === "unrecognized_keys") ??
    issues.find((i) => i.code === "invalid_type" && !("input" in i && i.input !== undefined)) ??
    issues[0];
  if (!first) throw invalidParam("", "Invalid request");
  throw issueToError(first);
}
