import { Anchor, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { useNavigate } from "@tanstack/react-router";
import { operationOutcomeTitle, operationStateInfo } from "../../../lib/operation-state";

type Operation = {
  id: string;
  kind: "grant" | "plan_change";
  state: string;
  externalId: string;
  error: string | null;
  reviewReason: string | null;
};

const COLORS = { success: "teal", pending: "blue", warning: "orange", error: "red" } as const;

/** What happened to the operation, with a link to its ledger entry. */
export function showOperationToast(
  op: Operation,
  summary: string,
  navigate: ReturnType<typeof useNavigate>,
) {
  const info = operationStateInfo(op.state);
  const detail =
    op.state === "failed"
      ? (op.error ?? "Nothing was applied.")
      : op.state === "needs_review"
        ? (op.reviewReason ?? "An admin must check the outcome.")
        : op.state === "awaiting_approval"
          ? "An admin must approve it before anything changes."
          : null;
  notifications.show({
    closeButtonProps: { "aria-label": "Dismiss" },
    title: operationOutcomeTitle(op.kind, op.state),
    color: COLORS[info.tone],
    autoClose: info.tone === "success" ? 8000 : false,
    message: (
      <>
        <Text size="sm" c="var(--mantine-color-text)">
          {summary}
        </Text>
        {detail && (
          <Text size="sm" c="var(--mantine-color-text)">
            {detail}
          </Text>
        )}
        <Anchor
          size="sm"
          href={`/customers/${encodeURIComponent(op.externalId)}#op-${op.id}`}
          onClick={(event) => {
            event.preventDefault();
            void navigate({
              to: "/customers/$externalId",
              params: { externalId: op.externalId },
              search: (prev) => prev,
              hash: `op-${op.id}`,
            });
          }}
        >
          View in ledger
        </Anchor>
      </>
    ),
  });
}
