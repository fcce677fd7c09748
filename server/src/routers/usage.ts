/**
 * Usage charts on the customer page (and per key). Every staff role may read them: finance reviews
 * usage, support needs to see why calls fail (the outcome stack), account managers see who is
 * about to run out (the burn-down). All numbers come from grouped, cached analytics queries.
 */
import { z } from "zod";
import { DAY_MS, MAX_BUCKETS, bucketOf, namedRanges } from "../domain/buckets";
import { usageBurndown } from "../services/usage/burndown";
import { usagePools } from "../services/usage/pools";
import { usageTimeseries } from "../services/usage/timeseries";
import { router, staffProcedure } from "../trpc";

const externalId = z.string().trim().min(1, "required").max(256);
const keyId = z.string().trim().min(1, "required").max(256).optional();
const iso = z.iso.datetime();
const stale = z.object({ ageSeconds: z.number() }).nullable();
const MAX_CUSTOM_DAYS = 366;

export const timeseriesInput = z
  .object({
    externalId,
    keyId,
    range: z.enum([...namedRanges, "custom"]),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** Override the chosen bucket size (e.g. hourly over 90 days). */
    bucket: z.enum(["minute", "hour", "day"]).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.range !== "custom") {
      for (const f of ["from", "to"] as const) {
        if (v[f] !== undefined)
          ctx.addIssue({ code: "custom", path: [f], message: 'only with range "custom"' });
      }
    } else {
      if (v.from === undefined)
        ctx.addIssue({ code: "custom", path: ["from"], message: 'required with range "custom"' });
      if (v.to === undefined)
        ctx.addIssue({ code: "custom", path: ["to"], message: 'required with range "custom"' });
      if (v.from !== undefined && v.to !== undefined) {
        const span = Date.parse(v.to) - Date.parse(v.from);
        if (span <= 0)
          ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
        else if (span > MAX_CUSTOM_DAYS * DAY_MS)
          ctx.addIssue({
            code: "custom",
            path: ["to"],
            message: `at most ${MAX_CUSTOM_DAYS} days after from`,
          });
      }
    }
    if (v.bucket !== undefined) {
      const span =
        v.range === "custom"
          ? v.from && v.to
            ? Date.parse(v.to) - Date.parse(v.from)
            : 0
          : { "24h": 1, "7d": 7, "30d": 30, "90d": 90 }[v.range] * DAY_MS;
      if (span / bucketOf(v.bucket).ms > MAX_BUCKETS)
        ctx.addIssue({
          code: "custom",
          path: ["bucket"],
          message: `too fine for this range (more than ${MAX_BUCKETS} buckets)`,
        });
    }
  });

export const timeseriesOutput = z.object({
  bucket: z.enum(["minute", "hour", "day"]),
  /** Bucket length in ms; bucket i covers [from + i·bucketMs, from + (i+1)·bucketMs). */
  bucketMs: z.number().int(),
  from: iso,
  to: iso,
  buckets: z.number().int(),
  /** Outcomes present in the range, VALID first. */
  outcomes: z.array(z.string()),
  /** Per outcome, one count per bucket (zeros filled). */
  counts: z.record(z.string(), z.array(z.number())),
  /** Credits spent per bucket. */
  spent: z.array(z.number()),
  totals: z.object({
    verifications: z.number(),
    spent: z.number(),
    byOutcome: z.record(z.string(), z.number()),
  }),
  stale,
});

const point = z.object({ t: iso, balance: z.number() });

export const burndownOutput = z.object({
  /** null: unlimited credits or no keys: nothing burns down. */
  kind: z.enum(["refill_period", "trailing", "unlimited", "no_keys"]),
  from: iso,
  to: iso,
  bucketMs: z.number().int(),
  nextRefillAt: iso.nullable(),
  remaining: z.number().nullable(),
  burnPerHour: z.number(),
  actual: z.array(point),
  projected: z.array(point),
  forecast: z.discriminatedUnion("kind", [
    z.object({ kind: z.enum(["unlimited", "exhausted", "idle"]) }),
    z.object({ kind: z.literal("runs_out"), at: iso }),
    z.object({ kind: z.literal("lasts_until_refill"), at: iso }),
  ]),
  markers: z.array(z.object({ t: iso, kind: z.enum(["grant", "plan_change"]), label: z.string() })),
  stale,
});

export const poolsOutput = z.object({
  from: iso,
  to: iso,
  pools: z.array(
    z.object({
      name: z.string(),
      scope: z.enum(["identity", "key"]),
      keyIds: z.array(z.string()),
      limit: z.number(),
      durationMs: z.number(),
      usage: z.discriminatedUnion("derivable", [
        z.object({
          derivable: z.literal(true),
          tag: z.string(),
          /** Most verifications tagged with the pool in one window (per key for key pools). */
          peakPerWindow: z.number(),
          /** peak / limit × 100, one decimal. */
          peakPercent: z.number(),
          totalTagged: z.number(),
          granularity: z.string(),
        }),
        z.object({ derivable: z.literal(false), reason: z.string() }),
      ]),
    }),
  ),
  stale,
});

export const usageRouter = router({
  timeseries: staffProcedure
    .input(timeseriesInput)
    .output(timeseriesOutput)
    .query(({ ctx, input }) =>
      usageTimeseries(ctx.deps, {
        externalId: input.externalId,
        keyId: input.keyId,
        bucket: input.bucket,
        window:
          input.range === "custom"
            ? {
                range: "custom",
                from: Date.parse(input.from ?? ""),
                to: Date.parse(input.to ?? ""),
              }
            : { range: input.range },
      }),
    ),

  burndown: staffProcedure
    .input(z.object({ externalId, keyId }))
    .output(burndownOutput)
    .query(({ ctx, input }) => usageBurndown(ctx.deps, input.externalId, input.keyId)),

  pools: staffProcedure
    .input(z.object({ externalId }))
    .output(poolsOutput)
    .query(({ ctx, input }) => usagePools(ctx.deps, input.externalId)),
});
