/**
 * Directory sync: Unkey identities and keys, Stripe customers and subscriptions, and usage from
 * one grouped analytics query, into the console's read model.
 *
 * Memory stays bounded: every upstream page (100 items) is written in its own transaction and
 * then dropped; per-customer figures are aggregated in SQL and derived in batches. Each finished
 * page moves a checkpoint (phase + cursor) in `sync_runs`, so a run interrupted by a restart or
 * by failures that outlast the retries resumes where it stopped. Rows carry the id of the run
 * that last saw them; only a run that finished every phase deletes what it did not see.
 */
import type { Logger } from "pino";
import type { AnalyticsGateway } from "../../analytics/gateway";
import { AnalyticsBudgetError } from "../../analytics/gateway";
import { KEY_USAGE_PAGE, keyUsageQuery, periodColumn } from "../../analytics/queries";
import {
  BURN_WINDOW_MS,
  deriveCustomer,
  directoryFlags,
  keyInOverage,
  keyPeriod,
  subscriptionRank,
} from "../../domain/directory";
import type { DirectoryCustomer, Repos } from "../../store/index";
import type {
  CustomerDerivedUpdate,
  DerivedColumn,
  KeyInput,
  KeyUsageUpdate,
} from "../../store/directory";
import { parseCheckpoint, type SyncCheckpoint } from "../../store/sync-runs";
import { UpstreamError } from "../../upstream/errors";
import type { Upstream, UpstreamIdentity, UpstreamKey } from "../../upstream/index";
import { defaultRetryPolicy, withRetry, type RetryPolicy } from "./retry";

export interface SyncDeps {
  repos: Repos;
  upstream: Upstream;
  analytics: AnalyticsGateway;
  log: Logger;
  now: () => number;
}

export interface SyncOptions {
  signal?: AbortSignal;
  pageSize?: number;
  retry?: RetryPolicy;
  /** An unfinished run younger than this is resumed; older ones start over. */
  resumeWithinMs?: number;
  /** Rows per page of the usage question (default: `usagePageRows`). */
  usagePageRows?: number;
}

export interface SyncResult {
  runId: number;
  status: "ok" | "failed" | "interrupted";
  resumed: boolean;
  error: string | null;
  keys: number;
  ms: number;
}

/**
 * SQLite page cache while a full sync runs (KiB). The sync reads and writes each page about once;
 * measured at 300k keys, capping the cache at 4 MB instead of the 16 MB default saved ~15 MB of
 * RSS at no measurable cost in time.
 */
export const SYNC_PAGE_CACHE_KIB = 4096;

export const SYNC_PHASES = [
  "identities",
  "keys",
  "stripe_customers",
  "subscriptions",
  "join",
  "usage",
  "derive",
  "cleanup",
] as const;
export type SyncPhase = (typeof SYNC_PHASES)[number];

const str = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : null);
const num = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

export function identityInput(i: UpstreamIdentity) {
  return {
    externalId: i.externalId,
    identityId: i.id,
    name: str(i.meta.name),
    email: str(i.meta.email),
    plan: str(i.meta.plan),
    stripeCustomerId: str(i.meta.stripeCustomerId),
  };
}

export function keyInput(k: UpstreamKey, now: number): KeyInput {
  const refill = k.credits?.refill ?? null;
  // A key with no credits object is unlimited (Unkey omits it for remaining: null).
  const remaining = k.credits ? k.credits.remaining : null;
  const period = keyPeriod(remaining === null ? null : refill, now);
  return {
    keyId: k.keyId,
    externalId: k.identity?.externalId ?? null,
    identityId: k.identity?.id ?? null,
    start: k.start,
    name: k.name,
    enabled: k.enabled,
    remaining,
    refill,
    lastUsedAt: k.lastUsedAt,
    nextRefillAt: period.nextRefillAt,
    periodStart: period.periodStart,
  };
}

/** The run id rows written outside a full sync carry, so a running sync does not delete them. */
async function currentRunId(repos: Repos): Promise<number> {
  const open = await repos.syncRuns.latestUnfinished();
  const ok = await repos.syncRuns.lastOk();
  return Math.max(open?.id ?? 0, ok?.id ?? 0);
}

/** Largest analytics response the usage question aims for: Unkey refuses responses over 4 MiB. */
export const USAGE_RESPONSE_BYTES = 3.5 * 1024 * 1024;

/**
 * Rows per page of the usage question: `KEY_USAGE_PAGE`, fewer when its rows are wide. A row
 * carries one `p<start>` column per distinct refill-period start (up to ~30 at scale, ~25 bytes
 * of JSON each), so 20k rows of 31 columns would be ~13 MB: over Unkey's 4 MiB response limit,
 * and, parsed by the SDK (~1.7 KB a row), ~60 MB of objects alive at once, which V8 answers by
 * growing its heap to several times that.
 */
export function usagePageRows(periodStarts: number): number {
  const rowBytes = 48 + 26 * (periodStarts + 2);
  return Math.max(500, Math.min(KEY_USAGE_PAGE, Math.floor(USAGE_RESPONSE_BYTES / rowBytes)));
}

/**
 * Fetches usage for the keys in scope (all, or one customer's) and stores per-key spend, burn
 * and overage. Returns when the figures were computed upstream: older when served stale or kept
 * from an earlier run (the last good sync's), null when there is no such time.
 *
 * The all-keys question pages in key-id order (`usagePageRows` rows a page, a row per key with
 * recent verifications), and each page replaces the figures of exactly its slice of the key
 * space. Its pages are dropped from the analytics cache once stored: at 300k keys they
 * would otherwise keep hundreds of MB alive between syncs, and the read model already holds
 * what they said. So when the analytics budget runs low, a background pass keeps the stored
 * figures (labelled with the age of the run that fetched them) instead of re-serving cached
 * pages; stopping between pages leaves the later keys with their previous figures.
 */
export async function syncUsage(
  d: SyncDeps,
  scope: {
    owner?: string;
    externalId?: string;
    priority: "background" | "interactive";
    pageRows?: number;
  },
): Promise<number | null> {
  const now = d.now();
  const everyKey = scope.externalId === undefined;
  const keepPrevious = async (why: string) => {
    const previous = (await d.repos.syncRuns.lastOk())?.analytics_as_of ?? null;
    d.log.info(
      { analyticsAsOf: previous },
      `directory usage not refreshed (${why}): keeping the last figures`,
    );
    return previous === null ? null : Number(previous);
  };
  const budgetLow = () => scope.priority === "background" && d.analytics.usage().low;
  if (everyKey && budgetLow()) return keepPrevious("analytics budget low");

  const starts = await d.repos.directory.periodStarts(scope.owner);
  const pageRows = scope.pageRows ?? usagePageRows(starts.length);
  let asOf: number | null = null;
  let after: string | null = null; // the last key id a stored page covered
  for (let page = 0; ; page++) {
    if (page > 0 && everyKey && budgetLow()) return keepPrevious("analytics budget low");
    const sql = keyUsageQuery({
      windowStart: now - BURN_WINDOW_MS,
      periodStarts: starts,
      ...(scope.externalId !== undefined ? { externalId: scope.externalId } : {}),
      limit: pageRows,
      offset: page * pageRows,
    });
    // A key per page (a customer with more keys than a page has several); `:` ends it so that
    // dropping page 1 leaves page 10 alone (the cache drops by prefix).
    const cacheKey = everyKey
      ? `directory.keyUsage:all:p${page}:`
      : `directory.keyUsage:customer:${scope.externalId}:p${page}:`;
    let result;
    try {
      result = await d.analytics.query({
        cacheKey,
        sql,
        ttlMs: scope.priority === "interactive" ? 30_000 : 60_000,
        priority: scope.priority,
      });
    } catch (err) {
      if (err instanceof AnalyticsBudgetError) {
        d.log.warn({ err: err.message }, "directory usage not refreshed: analytics budget used up");
        return everyKey ? keepPrevious("analytics budget used up") : asOf;
      }
      throw err;
    }
    if (result.source === "stale") {
      d.log.info({ ageMs: result.ageMs }, "directory usage served from an older analytics result");
    }
    if (page === 0) asOf = result.fetchedAt;
    const rows = result.rows;
    const last = rows.length < pageRows ? null : maxKeyId(rows);
    const ids = rows.map((r) => str(r.key_id)).filter((x): x is string => x !== null);
    const known = new Map((await d.repos.directory.keysByIds(ids)).map((k) => [k.key_id, k]));
    const updates: KeyUsageUpdate[] = [];
    for (const r of rows) {
      const keyId = str(r.key_id);
      const k = keyId ? known.get(keyId) : undefined;
      if (!keyId || !k) continue; // a key of another API in the workspace, or deleted meanwhile
      const spentPeriod =
        k.period_start === null ? null : num(r[periodColumn(Number(k.period_start))]);
      updates.push({
        keyId,
        spent24h: num(r.spent_window) ?? 0,
        spentPeriod,
        lastTime: num(r.last_time),
        inOverage: keyInOverage({
          remaining: k.remaining === null ? null : Number(k.remaining),
          allowance: k.refill_amount === null ? null : Number(k.refill_amount),
          spentInPeriod: spentPeriod,
        }),
      });
    }
    await d.repos.directory.applyUsage(updates, { owner: scope.owner, after, upTo: last });
    if (everyKey) d.analytics.invalidate(cacheKey);
    if (last === null) break;
    after = last;
  }
  return asOf;
}

/** The greatest key id of a page (pages come ordered by key id; this does not rely on it). */
function maxKeyId(rows: Record<string, unknown>[]): string | null {
  let max: string | null = null;
  for (const r of rows) {
    const id = str(r.key_id);
    if (id !== null && (max === null || id > max)) max = id;
  }
  return max;
}

const same = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Number(a) === Number(b);

/** The derived columns whose value moved (none: the row is left alone). */
function derivedChanges(c: DirectoryCustomer, u: CustomerDerivedUpdate): DerivedColumn[] {
  const out: DerivedColumn[] = [];
  if (!same(c.key_count, u.keyCount)) out.push("key_count");
  if (!same(c.credits_remaining, u.creditsRemaining)) out.push("credits_remaining");
  if (!same(c.credits_allowance, u.creditsAllowance)) out.push("credits_allowance");
  if (!same(c.percent_left, u.percentLeft)) out.push("percent_left");
  if (c.status !== u.status) out.push("status");
  if (Number(c.in_overage) !== (u.inOverage ? 1 : 0)) out.push("in_overage");
  if (!same(c.next_refill_at, u.nextRefillAt)) out.push("next_refill_at");
  if (!same(c.burn_per_hour, u.burnPerHour)) out.push("burn_per_hour");
  if (c.forecast_kind !== u.forecastKind) out.push("forecast_kind");
  if (!same(c.forecast_exhaustion_at, u.forecastExhaustionAt)) out.push("forecast_exhaustion_at");
  if (!same(c.last_used_at, u.lastUsedAt)) out.push("last_used_at");
  if (c.flags !== JSON.stringify(u.flags)) out.push("flags");
  if (c.key_terms !== u.keyTerms) out.push("key_terms");
  return out;
}

/** Recomputes the derived figures of every directory row (or one owner's) from its keys. */
export async function deriveAll(d: SyncDeps, owner?: string): Promise<number> {
  let after = 0;
  let n = 0;
  for (;;) {
    const batch = await d.repos.directory.customersAfter(after, 2000, owner);
    if (batch.length === 0) return n;
    const aggs = await d.repos.directory.aggregates(batch.map((c) => c.external_id));
    const now = d.now();
    const updates = batch.map((c) => {
      const a = aggs.get(c.external_id);
      const derived = deriveCustomer(
        {
          keyCount: a?.keyCount ?? 0,
          unlimitedKeys: a?.unlimitedKeys ?? 0,
          remainingSum: a?.remainingSum ?? 0,
          allowanceSum: a?.allowanceSum ?? null,
          spentInWindow: a ? a.spent24h : null,
          nextRefillAt: a?.nextRefillAt ?? null,
        },
        now,
      );
      return {
        id: c.id,
        keyCount: a?.keyCount ?? 0,
        creditsRemaining: derived.creditsRemaining,
        creditsAllowance: derived.creditsAllowance,
        percentLeft: derived.percentLeft,
        status: derived.status,
        inOverage: a?.inOverage ?? false,
        nextRefillAt: a?.nextRefillAt ?? null,
        burnPerHour: a ? derived.burnPerHour : null,
        forecastKind: derived.forecast.kind,
        forecastExhaustionAt: derived.forecastExhaustionAt,
        lastUsedAt: a?.lastUsedAt ?? null,
        flags: directoryFlags({
          kind: c.kind,
          hasStripe: c.stripe_customer_id !== null,
          keyCount: a?.keyCount ?? 0,
        }),
        keyTerms: a?.keyTerms ?? "",
        syncedAt: now,
      };
    });
    // Rewriting an unchanged column still rewrites every index carrying it: only rows whose
    // figures moved are written, and only the columns that moved.
    const byId = new Map(batch.map((c) => [c.id, c]));
    const changed: CustomerDerivedUpdate[] = [];
    for (const u of updates) {
      const c = byId.get(u.id);
      if (!c) {
        changed.push(u);
        continue;
      }
      const cols = derivedChanges(c, u);
      if (cols.length > 0) changed.push({ ...u, changed: cols });
    }
    await d.repos.directory.updateDerived(changed);
    n += batch.length;
    after = batch.at(-1)?.id ?? after;
  }
}

/** One full sync run (new, or resuming an unfinished one). Never throws for upstream failures:
 * they end the run as "failed" with the checkpoint kept. */
export async function runFullSync(d: SyncDeps, opts: SyncOptions = {}): Promise<SyncResult> {
  const started = performance.now();
  const pageSize = opts.pageSize ?? 100;
  const policy = opts.retry ?? defaultRetryPolicy;
  const signal = opts.signal;
  const { repos } = d;

  const unfinished = await repos.syncRuns.latestUnfinished();
  const resumable =
    unfinished && d.now() - unfinished.started_at < (opts.resumeWithinMs ?? 6 * 3_600_000);
  let run;
  if (resumable) {
    await repos.syncRuns.resume(unfinished.id, d.now());
    run = unfinished;
  } else {
    if (unfinished) {
      await repos.syncRuns.finish(unfinished.id, {
        status: "failed",
        error: unfinished.error ?? "abandoned: too old to resume",
        now: d.now(),
      });
    }
    run = await repos.syncRuns.start(d.now());
  }
  const runId = run.id;
  const checkpoint: SyncCheckpoint = parseCheckpoint(run.checkpoint);
  let keysSeen = run.keys_seen;
  let done = 0;
  let analyticsAsOf: number | null | undefined;
  const log = d.log.child({ component: "directory-sync", runId });
  log.info({ resumed: Boolean(resumable), checkpoint }, "directory sync started");

  const progress = (phase: SyncPhase, total: number | null = null) =>
    repos.syncRuns.progress(runId, { phase, done, total, checkpoint, now: d.now(), keysSeen });

  const retrying = <T>(what: string, fn: () => Promise<T>) =>
    withRetry(fn, policy, {
      signal,
      onRetry: (err, waitMs) =>
        log.warn({ what, kind: err.kind, status: err.status, waitMs }, "retrying"),
    });

  async function paged<T>(
    phase: SyncPhase,
    fetch: (cursor: string | undefined) => Promise<{ items: T[]; cursor: string | null }>,
    write: (items: T[]) => Promise<void>,
  ) {
    let cursor = checkpoint.cursors[phase];
    for (;;) {
      signal?.throwIfAborted();
      const page = await retrying(phase, () => fetch(cursor));
      await write(page.items);
      done += page.items.length;
      if (!page.cursor) break;
      cursor = page.cursor;
      checkpoint.cursors[phase] = cursor;
      await progress(phase);
    }
  }

  const phases: Record<SyncPhase, () => Promise<void>> = {
    identities: () =>
      paged(
        "identities",
        (cursor) => d.upstream.unkey.listIdentities({ limit: pageSize, cursor }),
        (items) => repos.directory.upsertIdentities(runId, d.now(), items.map(identityInput)),
      ),
    keys: () =>
      paged(
        "keys",
        (cursor) => d.upstream.unkey.listKeys({ limit: pageSize, cursor }),
        async (items) => {
          const now = d.now();
          await repos.directory.upsertKeys(
            runId,
            now,
            items.map((k) => keyInput(k, now)),
          );
          keysSeen += items.length;
        },
      ),
    stripe_customers: () =>
      paged(
        "stripe_customers",
        (cursor) => d.upstream.stripeLists.listCustomers({ limit: pageSize, cursor }),
        (items) => repos.directory.upsertStripeCustomers(runId, items),
      ),
    subscriptions: async () => {
      if (!checkpoint.cursors.subscriptions) await repos.directory.resetSubscriptions();
      await paged(
        "subscriptions",
        (cursor) => d.upstream.stripeLists.listSubscriptions({ limit: pageSize, cursor }),
        (items) =>
          repos.directory.applySubscriptions(
            items.map((s) => ({
              customerId: s.customerId,
              status: s.status,
              rank: subscriptionRank(s.status),
            })),
          ),
      );
    },
    join: async () => {
      await repos.directory.ensureKeyOwners(runId, d.now());
      await repos.directory.joinStripe(runId, d.now());
    },
    usage: async () => {
      analyticsAsOf = await syncUsage(d, {
        priority: "background",
        ...(opts.usagePageRows !== undefined ? { pageRows: opts.usagePageRows } : {}),
      });
    },
    derive: async () => {
      await deriveAll(d);
    },
    cleanup: async () => {
      const removed = await repos.directory.deleteUnseen(runId);
      if (removed.customers || removed.keys) log.info(removed, "removed rows gone upstream");
    },
  };

  try {
    // A full sync rewrites many rows: the search index is rebuilt once at the end instead of
    // row by row (rows a customer refresh writes meanwhile are picked up by that rebuild).
    await repos.directory.pauseSearchIndex();
    const restoreCache = await repos.directory.limitPageCache(SYNC_PAGE_CACHE_KIB);
    try {
      for (const phase of SYNC_PHASES) {
        if (checkpoint.completed.includes(phase)) continue;
        done = 0;
        await progress(phase);
        await phases[phase]();
        checkpoint.completed.push(phase);
        delete checkpoint.cursors[phase];
        await progress(phase);
      }
    } finally {
      try {
        // The rebuild reads the whole table: still under the capped cache.
        await repos.directory.resumeSearchIndex();
      } finally {
        await restoreCache();
      }
    }
    await repos.syncRuns.finish(runId, {
      status: "ok",
      error: null,
      now: d.now(),
      ...(analyticsAsOf !== undefined ? { analyticsAsOf } : {}),
    });
    const ms = Math.round(performance.now() - started);
    log.info({ ms, keys: keysSeen }, "directory sync finished");
    return { runId, status: "ok", resumed: Boolean(resumable), error: null, keys: keysSeen, ms };
  } catch (err) {
    const aborted = signal?.aborted === true;
    const message = err instanceof Error ? err.message : String(err);
    await repos.syncRuns.finish(runId, {
      status: aborted ? "interrupted" : "failed",
      error: aborted ? "interrupted (server stopping)" : message,
      now: d.now(),
    });
    if (aborted) log.info("directory sync interrupted; it resumes from its checkpoint");
    else log.error({ err }, "directory sync failed; the next run resumes from its checkpoint");
    return {
      runId,
      status: aborted ? "interrupted" : "failed",
      resumed: Boolean(resumable),
      error: aborted ? "interrupted" : message,
      keys: keysSeen,
      ms: Math.round(performance.now() - started),
    };
  }
}

/**
 * Refreshes one customer from upstream: its identity, keys, Stripe customer and subscription,
 * and usage through one analytics query filtered by its externalId. Called when a customer page
 * opens and after any action on the customer.
 */
export async function refreshCustomer(d: SyncDeps, externalId: string): Promise<void> {
  const { repos } = d;
  const runId = await currentRunId(repos);
  const now = d.now();
  let identity: UpstreamIdentity;
  try {
    identity = await d.upstream.unkey.getIdentity({ externalId });
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === "not_found") {
      await repos.directory.deleteCustomer(externalId);
      return;
    }
    throw err;
  }
  const id = identityInput(identity);
  const [keys, stripeCustomer] = await Promise.all([
    d.upstream.unkey.keysOf(externalId),
    id.stripeCustomerId
      ? d.upstream.stripeLists.retrieveCustomer(id.stripeCustomerId)
      : d.upstream.stripeLists.findCustomerByExternalId(externalId),
  ]);
  const subs = stripeCustomer
    ? await d.upstream.stripeLists.listSubscriptions({ limit: 100, customer: stripeCustomer.id })
    : null;

  await repos.directory.upsertIdentities(runId, now, [id]);
  await repos.directory.upsertKeys(
    runId,
    now,
    keys.map((k) => keyInput(k, now)),
  );
  await repos.directory.deleteOwnerKeysExcept(
    externalId,
    keys.map((k) => k.keyId),
  );
  if (stripeCustomer) {
    await repos.directory.upsertStripeCustomers(runId, [stripeCustomer]);
    await repos.directory.resetSubscriptions(stripeCustomer.id);
    if (subs) {
      const best = subs.items
        .map((s) => ({
          customerId: s.customerId,
          status: s.status,
          rank: subscriptionRank(s.status),
        }))
        .sort((a, b) => a.rank - b.rank)[0];
      if (best) await repos.directory.applySubscriptions([best]);
    }
  }
  await repos.directory.joinStripe(runId, now, externalId);
  await syncUsage(d, { owner: externalId, externalId, priority: "interactive" });
  await deriveAll(d, externalId);
}
