/**
 * Approvals: support grants above the limits wait in `awaiting_approval` until an admin approves
 * (the grant then runs like any other) or rejects it with a reason. Both are audited.
 */
import { TRPCError } from "@trpc/server";
import type { AppDeps } from "../context";
import { operationOrThrow, toView, transition, type Actor } from "./operations/core";
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
