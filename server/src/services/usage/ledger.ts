/**
 * The hook for balance changes that `spent_credits` cannot show (grants, plan changes). By default
 * the console's own operations ledger (issue 6) answers, read lazily through `deps.repos` (so no
 * start-up wiring is needed); `setUsageLedger` replaces it (tests, another source).
 *
 * Markers: grants that reached Unkey (`unkey_applied`, `stripe_applied`, `done`) at the instant the
 * executor read the key just before incrementing it (else the operation's creation), filtered to
 * the key when one is asked for; plan changes that are `done` at their completion (`updated_at`),
 * shown on every key of the customer (a plan change rewrites all of them).
 */
import type { AppDeps } from "../../context";
import { customerOperations } from "../../store/operations-read";
import type { OperationRow } from "../../store/index";

export interface UsageMarker {
  t: number;
  kind: "grant" | "plan_change";
  label: string;
}

export interface UsageLedgerReader {
  /** Markers for a customer (or one of its keys) with t in [from, to). */
  markers(q: {
    externalId: string;
    keyId?: string | undefined;
    from: number;
    to: number;
  }): Promise<UsageMarker[]>;
}

const readers = new WeakMap<AppDeps, UsageLedgerReader>();

export function setUsageLedger(deps: AppDeps, reader: UsageLedgerReader): void {
  readers.set(deps, reader);
}

export function usageLedger(deps: AppDeps): UsageLedgerReader | null {
  return readers.get(deps) ?? operationsLedger(deps);
}

const APPLIED = new Set(["unkey_applied", "stripe_applied", "done"]);

function parse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === "object" ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function marker(row: OperationRow, keyId: string | undefined): UsageMarker | null {
  const input = parse(row.input_json);
  const steps = parse(row.steps_json);
  if (row.kind === "grant") {
    if (!APPLIED.has(row.state)) return null;
    const unkey = steps.unkey as { keyId?: unknown; preReadAt?: unknown } | undefined;
    const plan = steps.plan as { keyId?: unknown } | undefined;
    const grantKey = unkey?.keyId ?? plan?.keyId ?? input.keyId;
    if (keyId !== undefined && grantKey !== keyId) return null;
    const kind = input.kind === "billable" ? "billable" : "goodwill";
    return {
      t: typeof unkey?.preReadAt === "number" ? unkey.preReadAt : row.created_at,
      kind: "grant",
      label: `+${(row.amount ?? 0).toLocaleString("en-US")} credits (${kind} grant)`,
    };
  }
  if (row.state !== "done") return null;
  const to = typeof input.planId === "string" ? input.planId : "?";
  const plan = steps.plan as { fromPlanId?: unknown } | undefined;
  const from = typeof plan?.fromPlanId === "string" ? plan.fromPlanId : null;
  return {
    t: row.updated_at,
    kind: "plan_change",
    label: from ? `Plan ${from} → ${to}` : `Plan → ${to}`,
  };
}

/** The default reader: the console's operations table. */
export function operationsLedger(deps: AppDeps): UsageLedgerReader {
  return {
    async markers(q) {
      const rows = await customerOperations(deps.repos.operations, q.externalId);
      return rows.flatMap((row) => {
        const m = marker(row, q.keyId);
        return m && m.t >= q.from && m.t < q.to ? [m] : [];
      });
    },
  };
}
