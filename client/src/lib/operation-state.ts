// Operation states as staff read them. Shared by the ledger, the approvals list and toasts.

export const OPERATION_STATES = [
  "awaiting_approval",
  "pending",
  "unkey_applied",
  "stripe_applied",
  "done",
  "failed",
  "needs_review",
  "rejected",
] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

type StateInfo = {
  label: string;
  color: string;
  /** The outcome is final: nothing more will happen without a person. */
  final: boolean;
  tone: "success" | "pending" | "warning" | "error";
  hint: string;
};

const STATES: Record<OperationState, StateInfo> = {
  awaiting_approval: {
    label: "Awaiting approval",
    color: "yellow",
    final: false,
    tone: "pending",
    hint: "Above the grant limits: an admin must approve or reject it",
  },
  pending: {
    label: "In progress",
    color: "blue",
    final: false,
    tone: "pending",
    hint: "Stored; applying to Unkey and Stripe",
  },
  unkey_applied: {
    label: "In progress",
    color: "blue",
    final: false,
    tone: "pending",
    hint: "Applied in Unkey; recording in Stripe",
  },
  stripe_applied: {
    label: "In progress",
    color: "blue",
    final: false,
    tone: "pending",
    hint: "Applied in Unkey and Stripe; finishing",
  },
  done: { label: "Done", color: "teal", final: true, tone: "success", hint: "Applied everywhere" },
  failed: {
    label: "Failed",
    color: "red",
    final: true,
    tone: "error",
    hint: "Nothing was applied",
  },
  needs_review: {
    label: "Needs review",
    color: "orange",
    final: true,
    tone: "warning",
    hint: "The outcome could not be established: an admin must check it",
  },
  rejected: {
    label: "Rejected",
    color: "gray",
    final: true,
    tone: "error",
    hint: "An admin rejected the request",
  },
};

export function operationStateInfo(state: string): StateInfo {
  return (
    STATES[state as OperationState] ?? {
      label: state,
      color: "gray",
      final: false,
      tone: "pending",
      hint: state,
    }
  );
}

/** The toast's title for an operation that was just submitted. */
export function operationOutcomeTitle(kind: "grant" | "plan_change", state: string): string {
  const what = kind === "grant" ? "Grant" : "Plan change";
  switch (state) {
    case "done":
      return `${what} applied`;
    case "awaiting_approval":
      return `${what} sent for approval`;
    case "needs_review":
      return `${what} needs review`;
    case "failed":
      return `${what} failed`;
    case "rejected":
      return `${what} rejected`;
    default:
      return `${what} in progress`;
  }
}
