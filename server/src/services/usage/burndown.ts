/**
 * usage.burndown: the balance from the last refill to the next one. The actual line is
 * reconstructed backwards from the current `remaining` (live from Unkey) and credits spent per
 * bucket (one grouped analytics query) — see domain/burndown.ts for the method and its limits
 * (grants and top-ups are invisible in `spent_credits`; the ledger hook marks console-made ones).
 * Keys that never refill get a trailing 30-day window and a 7-day projection.
 */
import { TRPCError } from "@trpc/server";
import { usageSeriesQuery } from "../../analytics/queries";
import type { AppDeps } from "../../context";
import { DAY_MS, HOUR_MS, alignRange, chooseBucket, fillBuckets } from "../../domain/buckets";
import { projectBalance, reconstructBalance, type BalancePoint } from "../../domain/burndown";
import { forecastExhaustion } from "../../domain/credits";
import { nextRefillAt, previousRefillAt } from "../../domain/refill";
import { usageLedger } from "./ledger";
import { num, staleness, type Staleness } from "./stale";
import { SERIES_TTL_MS } from "./timeseries";
import { isoFromMs } from "../../domain/time";

const TRAILING_MS = 30 * DAY_MS;
const PROJECTION_MS = 7 * DAY_MS;
/** Burn rate window (as the directory's): the trailing 24 h, or since the refill if shorter. */
const BURN_WINDOW_MS = 24 * HOUR_MS;

export interface Burndown {
  kind: "refill_period" | "trailing" | "unlimited" | "no_keys";
  from: string;
  to: string;
  bucketMs: number;
  nextRefillAt: string | null;
  remaining: number | null;
  burnPerHour: number;
  actual: { t: string; balance: number }[];
  projected: { t: string; balance: number }[];
  forecast:
    | { kind: "unlimited" | "exhausted" | "idle" }
    | { kind: "runs_out" | "lasts_until_refill"; at: string };
  markers: { t: string; kind: "grant" | "plan_change"; label: string }[];
  stale: Staleness;
}

const points = (ps: BalancePoint[]) => ps.map((p) => ({ t: isoFromMs(p.t), balance: p.balance }));

export async function usageBurndown(
  deps: AppDeps,
  externalId: string,
  keyId?: string,
): Promise<Burndown> {
  const now = deps.now();
  const all = await deps.upstream.unkey.keysOf(externalId);
  const keys = keyId === undefined ? all : all.filter((k) => k.keyId === keyId);
  if (keyId !== undefined && keys.length === 0) {
    throw new TRPCError({ code: "NOT_FOUND", message: `keyId: no key ${keyId} for ${externalId}` });
  }
  const empty = (kind: "unlimited" | "no_keys"): Burndown => ({
    kind,
    from: isoFromMs(now),
    to: isoFromMs(now),
    bucketMs: 0,
    nextRefillAt: null,
    remaining: null,
    burnPerHour: 0,
    actual: [],
    projected: [],
    forecast: { kind: kind === "unlimited" ? "unlimited" : "idle" },
    markers: [],
    stale: null,
  });
  if (keys.length === 0) return empty("no_keys");
  if (keys.some((k) => !k.credits || k.credits.remaining === null)) return empty("unlimited");

  const remaining = keys.reduce((s, k) => s + (k.credits?.remaining ?? 0), 0);
  const refills = keys.flatMap((k) => (k.credits?.refill ? [k.credits.refill] : []));
  // Since the latest refill of any key no balance jumped up by a refill; until the earliest next.
  const refilling = refills.length > 0;
  const start = refilling
    ? Math.max(...refills.map((r) => previousRefillAt(r, now)))
    : now - TRAILING_MS;
  const end = refilling
    ? Math.min(...refills.map((r) => nextRefillAt(r, now)))
    : now + PROJECTION_MS;
  const size = chooseBucket(end - start);
  const { from, to: queryTo } = alignRange(start, now, size.ms);

  const res = await deps.analytics.query({
    cacheKey: `usage.burn:${JSON.stringify([externalId, keyId ?? null, from, queryTo, size.ms])}`,
    sql: usageSeriesQuery({ externalId, keyId, from, to: queryTo, bucketMs: size.ms }),
    ttlMs: SERIES_TTL_MS,
    priority: "interactive",
  });
  const spent = new Array<number>(Math.round((queryTo - from) / size.ms)).fill(0);
  fillBuckets(
    res.rows.map((r) => ({ bucket: num(r.bucket), spent: num(r.spent) })),
    from,
    queryTo,
    size.ms,
    (i, r) => {
      spent[i] = (spent[i] ?? 0) + r.spent;
    },
  );

  // Burn rate over whole buckets: those starting at or after max(window start, now − 24 h).
  const burnStart = Math.max(from, alignRange(now - BURN_WINDOW_MS, now, size.ms).from);
  const burnSpent = spent.reduce((s, v, i) => (from + i * size.ms >= burnStart ? s + v : s), 0);
  const elapsed = now - burnStart;
  const burnPerHour = elapsed > 0 ? burnSpent / (elapsed / HOUR_MS) : 0;

  const f = forecastExhaustion({
    remaining,
    burnPerHour,
    now,
    nextRefillAt: refilling ? end : null,
  });
  const forecast: Burndown["forecast"] =
    f.kind === "runs_out"
      ? { kind: "runs_out", at: isoFromMs(f.at) }
      : f.kind === "lasts_until_refill"
        ? { kind: "lasts_until_refill", at: isoFromMs(f.refillAt) }
        : { kind: f.kind };
  const ledger = usageLedger(deps);
  const markers = ledger ? await ledger.markers({ externalId, keyId, from, to: end }) : [];

  return {
    kind: refilling ? "refill_period" : "trailing",
    from: isoFromMs(from),
    to: isoFromMs(end),
    bucketMs: size.ms,
    nextRefillAt: refilling ? isoFromMs(end) : null,
    remaining,
    burnPerHour: Math.round(burnPerHour * 1000) / 1000,
    actual: points(reconstructBalance({ remaining, from, size: size.ms, spent, now })),
    projected: points(projectBalance({ remaining, burnPerHour, now, until: end })),
    forecast,
    markers: markers
      .sort((a, b) => a.t - b.t)
      .map((m) => ({ t: isoFromMs(m.t), kind: m.kind, label: m.label })),
    stale: staleness([res]),
  };
}
