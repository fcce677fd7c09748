/**
 * Runs operations to a final state: claim (a DB lease, so only one runner per operation across
 * concurrent submissions and processes), then step by step from whatever state is stored. A crash
 * anywhere leaves the row in a state `resumePending` continues from; a step that cannot establish
 * whether its effect happened moves the operation to `needs_review` instead of guessing.
 */
import { randomUUID } from "node:crypto";
import type { AppDeps } from "../../context";
import type { OperationRow, OperationState } from "../../store/index";
import type { UpstreamError } from "../../upstream/errors";
import { OperationMovedError } from "./core";

export interface ExecutorTuning {
  /** Attempts per upstream step before giving up (transient failures only). */
  attempts: number;
  backoffMs: number;
  /** Cap on a server-requested Retry-After wait. */
  maxRetryAfterMs: number;
  /** How long a claim lasts; renewed on each step. */
  leaseMs: number;
}

export const defaultTuning: ExecutorTuning = {
  attempts: 4,
  backoffMs: 250,
  maxRetryAfterMs: 5_000,
  leaseMs: 120_000,
};

/** Points where a test can "kill the server": the executor stops dead, holding its lease. */
export type KillPoint =
  | "before_unkey_call"
  | "after_unkey_call"
  | "unkey_applied"
  | "before_stripe_call"
  | "after_stripe_call"
  | "stripe_applied";

export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

export interface RunContext {
  deps: AppDeps;
  tuning: ExecutorTuning;
  owner: string;
  /** Test hook: throws SimulatedCrash at the named point. */
  checkpoint(point: KillPoint): void;
  sleep(ms: number): Promise<void>;
}

export type StepRunner = (ctx: RunContext, row: OperationRow) => Promise<OperationRow>;

interface ExecutorState {
  owner: string;
  tuning: ExecutorTuning;
  killAt: KillPoint | null;
}

// Filled by grants.ts and plan-change.ts at import (operations/index.ts imports both).
const runners = new Map<string, StepRunner>();

// Per deps object (one per running console / test), like the billing caches.
const executors = new WeakMap<AppDeps, ExecutorState>();

function stateOf(deps: AppDeps): ExecutorState {
  let s = executors.get(deps);
  if (!s) {
    s = { owner: `exec_${randomUUID()}`, tuning: defaultTuning, killAt: null };
    executors.set(deps, s);
  }
  return s;
}

export function configureExecutor(
  deps: AppDeps,
  opts: { tuning?: Partial<ExecutorTuning>; killAt?: KillPoint | null; newOwner?: boolean },
): void {
  const s = stateOf(deps);
  if (opts.tuning) s.tuning = { ...s.tuning, ...opts.tuning };
  if (opts.killAt !== undefined) s.killAt = opts.killAt;
  // A new owner id = a new process: the old one's leases are someone else's now.
  if (opts.newOwner) s.owner = `exec_${randomUUID()}`;
}

export function registerRunner(kind: string, run: StepRunner): void {
  runners.set(kind, run);
}

export const TERMINAL: OperationState[] = ["done", "failed", "rejected", "needs_review"];
const RUNNABLE: OperationState[] = ["pending", "unkey_applied", "stripe_applied"];

/**
 * Runs one operation if this caller wins the claim; otherwise returns the row as stored (another
 * submission is running it). `force` takes over any lease (start-up of a single instance).
 */
export async function runOperation(
  deps: AppDeps,
  id: string,
  opts: { force?: boolean } = {},
): Promise<OperationRow | undefined> {
  const s = stateOf(deps);
  const row = await deps.repos.operations.byId(id);
  if (!row || !RUNNABLE.includes(row.state)) return row;
  const now = deps.now();
  const claimed = await deps.repos.operations.claim(
    id,
    s.owner,
    now,
    now + s.tuning.leaseMs,
    opts.force ?? false,
  );
  if (!claimed) return deps.repos.operations.byId(id);
  const runner = runners.get(row.kind);
  if (!runner) throw new Error(`no executor registered for ${row.kind} operations`);
  const ctx: RunContext = {
    deps,
    tuning: s.tuning,
    owner: s.owner,
    checkpoint(point) {
      if (s.killAt === point) throw new SimulatedCrash(`simulated crash at ${point}`);
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  let crashed = false;
  try {
    // Re-read after the claim: the state may have moved while we waited for it.
    const fresh = await deps.repos.operations.byId(id);
    if (!fresh || !RUNNABLE.includes(fresh.state)) return fresh;
    return await runner(ctx, fresh);
  } catch (err) {
    if (err instanceof SimulatedCrash) {
      crashed = true;
      throw err;
    }
    if (err instanceof OperationMovedError) return deps.repos.operations.byId(id);
    throw err;
  } finally {
    // A crashed process releases nothing: its lease simply expires (or start-up takes it over).
    if (!crashed) await deps.repos.operations.release(id, s.owner);
  }
}

/** Start-up: continue every operation a previous process left unfinished. */
export async function resumePending(
  deps: AppDeps,
  opts: { force?: boolean } = {},
): Promise<{ resumed: number; failed: number }> {
  const rows = await deps.repos.operations.resumable();
  let failed = 0;
  for (const r of rows) {
    try {
      await runOperation(deps, r.id, opts);
    } catch (err) {
      failed++;
      deps.log.error({ err, operationId: r.id }, "resuming operation failed");
    }
  }
  return { resumed: rows.length, failed };
}

/** Failures after which a write may or may not have taken effect. */
export function isUncertain(err: UpstreamError): boolean {
  return (
    err.kind === "timeout" ||
    err.kind === "unavailable" ||
    err.kind === "rate_limited" ||
    err.kind === "malformed" ||
    err.kind === "conflict"
  );
}

export function backoff(ctx: RunContext, attempt: number, err: UpstreamError): number {
  const base = ctx.tuning.backoffMs * 2 ** Math.max(0, attempt - 1);
  return err.retryAfterMs !== undefined
    ? Math.min(err.retryAfterMs, ctx.tuning.maxRetryAfterMs)
    : base;
}

export const errorText = (err: unknown) =>
  err instanceof Error ? err.message.slice(0, 500) : String(err).slice(0, 500);
