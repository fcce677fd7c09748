/**
 * Verification history for one key, consistent with the key's credits: in every refill period the
 * VALID rows spend at most the allowance plus the credits granted in that period, a key that runs
 * out gets USAGE_EXCEEDED attempts afterwards, and in the current period
 * `remaining = amount + granted − spent`. The key is created with that `remaining`, so the
 * console's "credits used" (from `spent_credits`) and the key's balance agree.
 *
 * A row's `spentCredits` is the request's cost (the emulated API charges more for batch and
 * embedding calls), which lets ~1M rows carry the tens of millions of credits a Scale customer
 * spends in 90 days.
 */
import type { VerificationRow } from "../core/contracts";
import type { CustomerBlueprint, GrantBlueprint, KeyBlueprint } from "./blueprint";
import { DAY_MS, HOUR_MS, refillPeriods, startOfUtcDay } from "./calendar";
import { LoadCurve, loadAt } from "./rhythm";
import type { Rng } from "./random";

type Outcome = VerificationRow["outcome"];

/** A stretch of time with a number of calls of one outcome and, for VALID, the credits they spend. */
export interface Segment {
  from: number;
  to: number;
  outcome: Outcome;
  rows: number;
  credits: number;
  /** Density over the segment: the customer's daily rhythm, or a ramp for a customer burning fast. */
  shape: "rhythm" | "ramp";
}

export interface KeyHistoryPlan {
  segments: Segment[];
  /** Balance at "now" (null for unlimited keys). */
  remaining: number | null;
  /** Credits spent since the last refill (VALID rows' spent credits in the current period). */
  spentThisPeriod: number;
}

export interface KeyContext {
  key: KeyBlueprint;
  /** The owner's usage parameters (loose keys carry their own). */
  owner: Pick<
    CustomerBlueprint,
    "status" | "fixture" | "usageLevel" | "since" | "rateLimitedShare" | "tzHours"
  > & {
    grants: GrantBlueprint[];
  };
  keyIndex: number;
  /** Rows per day this key would make at full use of its allowance. */
  rowsPerDayAtFullUse: number;
  now: number;
  historyStart: number;
  /** Whether VALID verifications of unlimited keys record `spent_credits` (follows the emulator). */
  unlimitedSpends: boolean;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Initech must look like it will run out before the next 00:00 UTC at its recent burn rate, for
 * any trailing window from an hour to a week. Leaving at most amount·h/48 credits (h = hours to
 * midnight) after burning at least as fast as the daily allowance guarantees that; see the test.
 */
export function initechRemaining(amount: number, now: number): number {
  const hoursLeft = (startOfUtcDay(now) + DAY_MS - now) / HOUR_MS;
  return clamp(Math.floor((amount * hoursLeft) / 48), 1, Math.floor(amount * 0.08));
}

export function planKeyHistory(ctx: KeyContext, rng: Rng): KeyHistoryPlan {
  const { key, owner, now } = ctx;
  const start = Math.max(ctx.historyStart, owner.since);
  const segments: Segment[] = [];
  const level = clamp(owner.usageLevel * key.factor, 0, 1);
  const activeUntil = key.disabledAt ?? now;
  const fullRowsPerMs = (ctx.rowsPerDayAtFullUse * Math.max(level, 0.02)) / DAY_MS;

  const spend = (
    from: number,
    to: number,
    credits: number,
    rows: number,
    shape: Segment["shape"] = "rhythm",
  ) => {
    if (to <= from || rows <= 0) return;
    segments.push({ from, to, outcome: "VALID", rows, credits, shape });
  };
  const noise = (from: number, to: number, outcome: Outcome, rows: number) => {
    if (to <= from || rows <= 0) return;
    segments.push({ from, to, outcome, rows: Math.round(rows), credits: 0, shape: "rhythm" });
  };

  // A switched-off key keeps being called by some forgotten deploy for a while.
  if (key.disabledAt !== null && key.disabledAt < now) {
    const until = Math.min(now, key.disabledAt + rng.int(1, 6) * DAY_MS);
    noise(key.disabledAt, until, "DISABLED", rng.int(5, 40));
  }

  if (key.amount === null || key.refill === null) {
    // Unlimited: usage at the level, no balance to respect.
    const days = (activeUntil - start) / DAY_MS;
    const rows = Math.round(ctx.rowsPerDayAtFullUse * level * days * rng.float(0.8, 1.2));
    const credits = ctx.unlimitedSpends ? Math.round(rows * rng.float(3, 12)) : 0;
    spend(start, activeUntil, credits, rows);
    addRateLimited(segments, owner.rateLimitedShare, rng);
    return { segments, remaining: null, spentThisPeriod: 0 };
  }

  const amount = key.amount;
  const dailyAllowance = key.refill.interval === "daily" ? amount : (amount * 12) / 365;
  const creditsPerRow = dailyAllowance / ctx.rowsPerDayAtFullUse;
  const rowsFor = (credits: number) =>
    Math.min(credits, Math.max(credits > 0 ? 1 : 0, Math.round(credits / creditsPerRow)));

  let remaining = amount;
  let spentThisPeriod = 0;
  const periods = refillPeriods(key.refill, start, now);
  for (const period of periods) {
    const isCurrent = period.end > now;
    const from = Math.max(period.start, start);
    const to = Math.min(period.end, now);
    const spendUntil = Math.min(to, activeUntil);
    const grants = owner.grants.filter(
      (g) => g.keyIndex === ctx.keyIndex && g.at >= from && g.at < to,
    );
    let spent = 0;

    if (spendUntil <= from) {
      // Disabled before this period: nothing spent; refills still ran, so the balance is full.
      remaining = amount;
    } else if (grants.length > 0) {
      // Ran out, bought overage, spent it; the last grant is partly used.
      let cursor = from;
      let budget = amount;
      for (const grant of grants) {
        const exhaustAt = Math.floor(cursor + (grant.at - cursor) * rng.float(0.7, 0.9));
        spend(cursor, exhaustAt, budget, rowsFor(budget));
        spent += budget;
        noise(
          exhaustAt,
          grant.at,
          "USAGE_EXCEEDED",
          Math.max(1, fullRowsPerMs * (grant.at - exhaustAt) * 0.5),
        );
        cursor = grant.at;
        budget = grant.amount;
      }
      const used = Math.round(budget * (isCurrent ? rng.float(0.2, 0.8) : rng.float(0.6, 1)));
      spend(cursor, spendUntil, used, rowsFor(used));
      spent += used;
      remaining = budget - used;
    } else {
      if (isCurrent && owner.status === "exhausted") {
        const exhaustAt = Math.floor(from + (spendUntil - from) * rng.float(0.5, 0.85));
        spend(from, exhaustAt, amount, rowsFor(amount));
        spent = amount;
        noise(exhaustAt, to, "USAGE_EXCEEDED", Math.max(2, fullRowsPerMs * (to - exhaustAt) * 0.6));
        remaining = 0;
      } else if (isCurrent && owner.fixture === "initech") {
        const left = initechRemaining(amount, now);
        spent = amount - left;
        // Burning faster and faster towards now: a ramp, not the usual daily rhythm.
        spend(from, spendUntil, spent, rowsFor(spent), "ramp");
        remaining = left;
      } else if (isCurrent && owner.status === "low" && ctx.keyIndex === 0) {
        remaining = Math.round(amount * rng.float(0.03, 0.15));
        spent = amount - remaining;
        spend(from, spendUntil, spent, rowsFor(spent));
      } else {
        // On pace: the typical share of the allowance, prorated for a partial period.
        const elapsed = (spendUntil - from) / (period.end - period.start);
        const variability =
          key.refill.interval === "daily" ? rng.float(0.6, 1.3) : rng.float(0.85, 1.15);
        // Initech burns nearly its whole allowance every day, so any trailing window shows it.
        const share =
          owner.fixture === "initech" ? rng.float(0.9, 1) : clamp(level * variability, 0, 1);
        let target = Math.round(amount * share * elapsed);
        if (isCurrent) target = Math.min(target, Math.floor(amount * 0.75));
        if (target >= amount) {
          // Heavy users sometimes hit the wall before the refill.
          const exhaustAt = Math.floor(from + (spendUntil - from) * rng.float(0.85, 0.97));
          spend(from, exhaustAt, amount, rowsFor(amount));
          noise(
            exhaustAt,
            to,
            "USAGE_EXCEEDED",
            Math.max(1, fullRowsPerMs * (to - exhaustAt) * 0.5),
          );
          spent = amount;
        } else {
          spend(from, spendUntil, target, rowsFor(target));
          spent = target;
        }
        remaining = amount - spent;
      }
    }
    if (isCurrent) spentThisPeriod = spent;
  }
  addRateLimited(segments, owner.rateLimitedShare, rng);
  return { segments, remaining, spentThisPeriod };
}

/** Bursts get throttled: a small share of calls on top of the VALID ones, at the same times of day. */
function addRateLimited(segments: Segment[], share: number, rng: Rng): void {
  const valid = segments.filter((s) => s.outcome === "VALID");
  for (const s of valid) {
    const rows = Math.round(s.rows * share * rng.float(0.5, 1.5));
    if (rows > 0)
      segments.push({
        from: s.from,
        to: s.to,
        outcome: "RATE_LIMITED",
        rows,
        credits: 0,
        shape: s.shape,
      });
  }
}

interface Endpoint {
  path: string;
  /** Relative cost of one call. */
  weight: number;
  /** How often it is called. */
  share: number;
  heavy: boolean;
}

const endpoints: Endpoint[] = [
  { path: "/v1/search", weight: 1, share: 0.5, heavy: false },
  { path: "/v1/documents", weight: 2, share: 0.25, heavy: false },
  { path: "/v1/embeddings", weight: 5, share: 0.17, heavy: false },
  { path: "/v1/batch", weight: 20, share: 0.08, heavy: true },
];
const endpointPicks = endpoints.map((e) => [e, e.share] as const);
const regions = ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-1"];

export interface RowContext {
  keyId: string;
  tzHours: number;
  /** Pools a call is counted against, by name (the plan's). */
  poolNames: string[];
}

/** The rows of one key, segment by segment (each in time order). Costs sum exactly to `credits`. */
export function* rowsFor(
  plan: KeyHistoryPlan,
  ctx: RowContext,
  rng: Rng,
): Generator<VerificationRow> {
  const region = regions[Math.floor(rng.next() * regions.length)] ?? "us-east-1";
  const hasHeavy = ctx.poolNames.includes("heavy");
  const throttlePool = ctx.poolNames.includes("burst") ? ["requests", "burst"] : ["requests"];
  for (const seg of plan.segments) {
    const curve =
      seg.shape === "ramp"
        ? new LoadCurve(
            seg.from,
            seg.to,
            (t) => 0.25 + (t - seg.from) / Math.max(1, seg.to - seg.from),
          )
        : new LoadCurve(seg.from, seg.to, (t) => loadAt(t, ctx.tzHours) + 0.02);
    if (curve.empty) continue;
    const times = new Float64Array(seg.rows);
    for (let i = 0; i < seg.rows; i++) times[i] = curve.sample(rng.next(), rng.next());
    times.sort();

    const picked: Endpoint[] = new Array<Endpoint>(seg.rows);
    const costs = new Float64Array(seg.rows);
    if (seg.outcome === "VALID" && seg.credits > 0) {
      let total = 0;
      for (let i = 0; i < seg.rows; i++) {
        const e = rng.weighted(endpointPicks);
        picked[i] = e;
        const raw = e.weight * rng.float(0.6, 1.4);
        costs[i] = raw;
        total += raw;
      }
      // Every row costs at least 1; the rest is shared by weight and the rounding rest handed out.
      const spare = seg.credits - seg.rows;
      let assigned = 0;
      for (let i = 0; i < seg.rows; i++) {
        const c = 1 + Math.floor((spare * (costs[i] ?? 0)) / total);
        costs[i] = c;
        assigned += c;
      }
      for (let i = 0; assigned < seg.credits; i = (i + 1) % seg.rows) {
        costs[i] = (costs[i] ?? 0) + 1;
        assigned++;
      }
    } else {
      for (let i = 0; i < seg.rows; i++) picked[i] = rng.weighted(endpointPicks);
    }

    for (let i = 0; i < seg.rows; i++) {
      const e = picked[i] ?? endpoints[0]!;
      const pool =
        seg.outcome === "RATE_LIMITED"
          ? (rng.pick(throttlePool) ?? "requests")
          : e.heavy && hasHeavy
            ? "heavy"
            : "requests";
      yield {
        time: times[i] ?? seg.from,
        keyId: ctx.keyId,
        outcome: seg.outcome,
        tags: [`path:${e.path}`, `pool:${pool}`],
        spentCredits: seg.outcome === "VALID" ? (costs[i] ?? 0) : 0,
        region,
      };
    }
  }
}
