/**
 * Approvals: support grants above the limits wait in `awaiting_approval` until an admin approves
 * (the grant then runs like any other) or rejects it with a reason. Both are audited.
 *
 * Settling: an operation in `needs_review` (its effect upstream could not be established) is never
 * retried by the console. An admin checks Unkey and Stripe and records what they found: `done`
 * (the effect is there) or `failed` (it is not, nothing to undo), with a note. Nothing is written
 * upstream; the finding is recorded on the operation and in the audit log.
 */
import { TRPCError } from "@trpc/server";
import type { AppDeps } from "../context";
import { operationOrThrow, parseJson, toView, transition, type Actor } from "./operations/core";
import { runOperation } from "./operations/index";
import type { OperationView } from "./operations/schema";

async function awaiting(deps: AppDeps, id: string) {
  const row = await operationOrThrow(deps, id);
  if (row.state !== "awaiting_approval") {
    throw new TRPCError({
      code: "CONFLICT",
      message: `operationId: ${id} is ${row.state}, not awaiting approval`,
    });
  }
  return row;
}

export async function approve(deps: AppDeps, admin: Actor, id: string): Promise<OperationView> {
  const row = await awaiting(deps, id);
  await transition(
    deps,
    row,
    {
      state: "pending",
      reviewReason: null,
      approval: {
        decision: "approved",
        by: admin.email,
        role: admin.role,
        at: new Date(deps.now()).toISOString(),
        reason: null,
      },
    },
    admin,
  );
  const done = await runOperation(deps, id);
  return toView(done ?? (await operationOrThrow(deps, id)));
}

export async function reject(
  deps: AppDeps,
  admin: Actor,
  id: string,
  reason: string,
): Promise<OperationView> {
  const row = await awaiting(deps, id);
  const next = await transition(
    deps,
    row,
    {
      state: "rejected",
      approval: {
        decision: "rejected",
        by: admin.email,
        role: admin.role,
        at: new Date(deps.now()).toISOString(),
        reason,
      },
    },
    admin,
  );
  return toView(next);
}

export async function settle(
  deps: AppDeps,
  admin: Actor,
  id: string,
  outcome: "done" | "failed",
  note: string,
): Promise<OperationView> {
  const row = await operationOrThrow(deps, id);
  if (row.state !== "needs_review") {
    throw new TRPCError({
      code: "CONFLICT",
      message: `operationId: ${id} is ${row.state}, not waiting for review`,
    });
  }
  const settled = {
    by: admin.email,
    role: admin.role,
    at: new Date(deps.now()).toISOString(),
    outcome,
    note,
  };
  const next = await transition(
    deps,
    row,
    {
      state: outcome,
      steps: { ...parseJson(row.steps_json), settled },
      ...(outcome === "failed" ? { error: `Settled by ${admin.email}: ${note}` } : {}),
    },
    admin,
  );
  return toView(next);
}
