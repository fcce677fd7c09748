/**
 * Submitting operations and moving them between states. Every transition is a compare-and-set
 * on the row's version and is audited with the state before and after.
 */
import { TRPCError } from "@trpc/server";
import type { Kysely } from "kysely";
import type { AppDeps } from "../../context";
import type {
  Database,
  OperationKind,
  OperationRow,
  OperationState,
  Role,
} from "../../store/index";
import type { OperationView } from "./schema";
import { isoFromMs } from "../../domain/time";

export interface Actor {
  id: string;
  email: string;
  role: Role;
}

export function parseJson(text: string | null): Record<string, unknown> {
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

export function toView(row: OperationRow): OperationView {
  const input = parseJson(row.input_json);
  const approval = row.approval_json ? parseJson(row.approval_json) : null;
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    externalId: row.external_id,
    actor: { id: row.actor_id, email: row.actor_email, role: row.actor_role },
    input,
    amount: row.amount === null ? null : Number(row.amount),
    reason: typeof input.reason === "string" ? input.reason : null,
    steps: parseJson(row.steps_json),
    error: row.error,
    reviewReason: row.review_reason,
    approval: approval
      ? {
          decision: approval.decision === "rejected" ? "rejected" : "approved",
          by: String(approval.by),
          role: approval.role as Role,
          at: String(approval.at),
          reason: typeof approval.reason === "string" ? approval.reason : null,
        }
      : null,
    createdAt: isoFromMs(Number(row.created_at)),
    updatedAt: isoFromMs(Number(row.updated_at)),
    version: Number(row.version),
  };
}

/** Stable JSON of the submitted fields (undefined fields dropped), for storage and comparison. */
function canonicalInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(input).sort()) if (input[k] !== undefined) out[k] = input[k];
  return out;
}

/**
 * Stores the operation unless its id is known. A repeated submit with the same input returns the
 * stored operation; with different input it is a CONFLICT naming the first differing field (the
 * client reused a dialog's id for another request: that must never apply silently).
 */
export async function submitOperation(
  deps: AppDeps,
  p: {
    id: string;
    kind: OperationKind;
    actor: Actor;
    externalId: string;
    input: Record<string, unknown>;
    amount: number | null;
    decide?: (
      trx: Kysely<Database>,
    ) => Promise<{ state: OperationState; reviewReason: string | null }>;
  },
): Promise<{ row: OperationRow; created: boolean }> {
  const input = canonicalInput(p.input);
  const now = deps.now();
  const result = await deps.repos.operations.insertOnce(
    {
      id: p.id,
      kind: p.kind,
      state: "pending",
      actor: p.actor,
      externalId: p.externalId,
      inputJson: JSON.stringify(input),
      amount: p.amount,
      reviewReason: null,
      now,
    },
    p.decide,
  );
  if (!result.created) {
    const stored = parseJson(result.row.input_json);
    if (result.row.kind !== p.kind) {
      throw new TRPCError({
        code: "CONFLICT",
        message: `operationId: already used for a ${result.row.kind} operation`,
      });
    }
    const fields = new Set([...Object.keys(stored), ...Object.keys(input)]);
    for (const f of [...fields].sort()) {
      if (JSON.stringify(stored[f]) !== JSON.stringify(input[f])) {
        throw new TRPCError({
          code: "CONFLICT",
          message: `operationId: already used for a different request (${f} differs: ${JSON.stringify(
            stored[f] ?? null,
          )} was submitted first)`,
        });
      }
    }
    return result;
  }
  await deps.repos.audit.append({
    at: now,
    actor: p.actor,
    action: `${p.kind === "grant" ? "grant" : "plan_change"}.requested`,
    target: p.externalId,
    before: null,
    after: { operationId: p.id, state: result.row.state, input },
    meta: result.row.review_reason ? { reviewReason: result.row.review_reason } : undefined,
  });
  return result;
}

/**
 * Moves an operation to a new state (or records step data) and audits it. Returns the new row, or
 * throws when another writer moved it first (the caller re-reads and re-decides).
 */
export async function transition(
  deps: AppDeps,
  row: OperationRow,
  patch: {
    state?: OperationState;
    steps?: Record<string, unknown>;
    error?: string | null;
    reviewReason?: string | null;
    approval?: unknown;
  },
  actor: Actor | null = null,
): Promise<OperationRow> {
  const next = await deps.repos.operations.transition(row, { ...patch, now: deps.now() });
  if (!next) throw new OperationMovedError(row.id);
  if (patch.state && patch.state !== row.state) {
    await deps.repos.audit.append({
      at: deps.now(),
      // Executor transitions are done by the console on behalf of the requester.
      actor: actor ?? { id: row.actor_id, email: row.actor_email, role: row.actor_role },
      action: `${row.kind}.${patch.state}`,
      target: row.external_id,
      before: { operationId: row.id, state: row.state },
      after: {
        operationId: row.id,
        state: patch.state,
        ...(patch.steps ? { steps: patch.steps } : {}),
        ...(patch.error ? { error: patch.error } : {}),
        ...(patch.reviewReason ? { reviewReason: patch.reviewReason } : {}),
      },
      meta: actor ? undefined : { by: "executor" },
    });
  }
  return next;
}

export class OperationMovedError extends Error {
  override name = "OperationMovedError";
  constructor(id: string) {
    super(`operation ${id} was changed concurrently`);
  }
}

export async function operationOrThrow(deps: AppDeps, id: string): Promise<OperationRow> {
  const row = await deps.repos.operations.byId(id);
  if (!row) throw new TRPCError({ code: "NOT_FOUND", message: `operationId: no operation ${id}` });
  return row;
}
