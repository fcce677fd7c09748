/**
 * The plan catalog: what each plan gives (credits, refill, ratelimit pools) and what it costs in
 * Stripe. Operators edit `server/config/plans.json`; it is validated here at load so a typo fails
 * the server start with the path of the bad field instead of surfacing as a wrong bill later.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const slug = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]*$/,
    "must be lower-case letters, digits, '-' or '_', starting with a letter",
  );

/** Stripe lookup keys are free-form up to 200 chars; we keep them to a safe identifier alphabet. */
const lookupKey = z.string().regex(/^[a-zA-Z0-9_.-]{1,200}$/, "must be 1-200 of [a-zA-Z0-9_.-]");

export type PlanRefill =
  | { interval: "daily" }
  /** Unkey clamps refillDay 29-31 to the last day of shorter months, so any 1-31 is valid. */
  | { interval: "monthly"; dayPolicy: "fixed"; day: number }
  /** The key refills on the day of month of the customer's Stripe billing cycle anchor. */
  | { interval: "monthly"; dayPolicy: "subscription_anchor" };

/** One flat object (as operators write it) checked field by field, so errors name the field. */
const refillSchema = z
  .object({
    interval: z.enum(["daily", "monthly"]),
    dayPolicy: z.enum(["fixed", "subscription_anchor"]).optional(),
    day: z.number().int().min(1).max(31).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.interval === "daily") {
      if (r.dayPolicy !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["dayPolicy"],
          message: "only monthly refills take a dayPolicy",
        });
      }
      if (r.day !== undefined) {
        ctx.addIssue({ code: "custom", path: ["day"], message: "only monthly refills take a day" });
      }
      return;
    }
    if (r.dayPolicy === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["dayPolicy"],
        message: 'monthly refills need dayPolicy "fixed" or "subscription_anchor"',
      });
    } else if (r.dayPolicy === "fixed" && r.day === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["day"],
        message: 'dayPolicy "fixed" needs a day (1-31)',
      });
    } else if (r.dayPolicy === "subscription_anchor" && r.day !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["day"],
        message: 'dayPolicy "subscription_anchor" takes no day',
      });
    }
  })
  .transform((r): PlanRefill => {
    if (r.interval === "daily") return { interval: "daily" };
    if (r.dayPolicy === "fixed")
      return { interval: "monthly", dayPolicy: "fixed", day: r.day ?? 1 };
    return { interval: "monthly", dayPolicy: "subscription_anchor" };
  });

export const poolSchema = z
  .object({
    /** Unkey ratelimit names are 3-128 characters. */
    name: z.string().min(3).max(128),
    limit: z.number().int().min(1),
    /** Unkey's minimum window is one second. */
    durationMs: z.number().int().min(1000).max(2_592_000_000),
    autoApply: z.boolean(),
    /** identity: one shared pool for all the customer's keys; key: a pool per key. */
    scope: z.enum(["identity", "key"]),
  })
  .strict();

export const planSchema = z
  .object({
    id: slug,
    name: z.string().min(1).max(100),
    /** Allowance per key per refill. */
    credits: z.number().int().min(1),
    refill: refillSchema,
    pools: z.array(poolSchema).max(50),
    stripe: z.object({ basePriceLookupKey: lookupKey, overagePriceLookupKey: lookupKey }).strict(),
    basePrice: z
      .object({
        currency: z.literal("usd"),
        /** Cents per month. */
        unitAmount: z.number().int().min(0),
      })
      .strict(),
    /** Cents per credit, as Stripe's `unit_amount_decimal` (sub-cent prices need a decimal string). */
    overageUnitPrice: z
      .string()
      .regex(/^\d+(\.\d{1,12})?$/, 'must be a decimal string of cents, e.g. "0.2"'),
  })
  .strict()
  .superRefine((plan, ctx) => {
    const seen = new Set<string>();
    plan.pools.forEach((p, i) => {
      if (seen.has(p.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["pools", i, "name"],
          message: `duplicate pool "${p.name}"`,
        });
      }
      seen.add(p.name);
    });
  });

export const meterSchema = z
  .object({
    eventName: z.string().regex(/^[a-zA-Z0-9_.-]{1,100}$/),
    displayName: z.string().min(1).max(250).default("API overage credits"),
    customerPayloadKey: z.string().min(1),
    valuePayloadKey: z.string().min(1),
  })
  .strict();

export const planCatalogSchema = z
  .object({
    $comment: z.string().optional(),
    meter: meterSchema,
    plans: z.array(planSchema).min(1),
  })
  .strict()
  .superRefine((catalog, ctx) => {
    const ids = new Set<string>();
    const keys = new Set<string>();
    catalog.plans.forEach((plan, i) => {
      if (ids.has(plan.id)) {
        ctx.addIssue({
          code: "custom",
          path: ["plans", i, "id"],
          message: `duplicate plan id "${plan.id}"`,
        });
      }
      ids.add(plan.id);
      for (const field of ["basePriceLookupKey", "overagePriceLookupKey"] as const) {
        const k = plan.stripe[field];
        if (keys.has(k)) {
          ctx.addIssue({
            code: "custom",
            path: ["plans", i, "stripe", field],
            message: `lookup key "${k}" is used twice (Stripe lookup keys are unique)`,
          });
        }
        keys.add(k);
      }
    });
  });

export type Pool = z.infer<typeof poolSchema>;
export type Plan = z.infer<typeof planSchema>;
export type Meter = z.infer<typeof meterSchema>;
export type PlanCatalog = Omit<z.infer<typeof planCatalogSchema>, "$comment">;
export type PlanId = Plan["id"];

export class PlanCatalogError extends Error {
  constructor(
    message: string,
    /** Each problem as `path: message`, e.g. `plans[1].refill.day: Too big: expected number to be <=31`. */
    readonly problems: string[],
  ) {
    super(message);
    this.name = "PlanCatalogError";
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out === "" ? "(root)" : out;
}

/** Validate an already-parsed JSON value. Throws `PlanCatalogError` naming each bad field. */
export function parsePlanCatalog(json: unknown, source = "plan catalog"): PlanCatalog {
  const result = planCatalogSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new PlanCatalogError(`invalid ${source}:\n  ${problems.join("\n  ")}`, problems);
  }
  const { meter, plans } = result.data;
  return { meter, plans };
}

export const defaultPlanCatalogPath = fileURLToPath(
  new URL("../../config/plans.json", import.meta.url),
);

/** Read and validate a catalog file (default: `server/config/plans.json`). */
export function loadPlanCatalog(path: string = defaultPlanCatalogPath): PlanCatalog {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PlanCatalogError(`cannot read plan catalog ${path}: ${(err as Error).message}`, []);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PlanCatalogError(`plan catalog ${path} is not JSON: ${(err as Error).message}`, []);
  }
  return parsePlanCatalog(json, `plan catalog ${path}`);
}

export function planById(catalog: PlanCatalog, id: string): Plan | undefined {
  return catalog.plans.find((p) => p.id === id);
}
