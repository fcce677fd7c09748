import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { StackedInstant } from "../../../components/stacked-instant";
import { AnchorLink } from "../../../components/anchor-link";
import { DialogActions } from "../../../components/dialog-actions";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import type { RouterOutputs } from "../../../lib/api-types";
import { formatNumber, formatRole } from "../../../lib/format";
import { operationStateInfo } from "../../../lib/operation-state";
import { useTRPC } from "../../../lib/trpc";
import { NeedsReview } from "./needs-review";

type Request = RouterOutputs["approvals"]["list"]["items"][number];
type Decision = { op: Request; decision: "approve" | "reject" };

export function ApprovalsPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.session.me.queryOptions());
  const role = me.data?.user?.role;
  if (role && role !== "admin") {
    return (
      <Stack gap="md">
        <Title order={1}>Approvals</Title>
        <EmptyState title="Not allowed">
          Only admins approve grant requests. Your own requests and their state are in each
          customer&apos;s ledger.
        </EmptyState>
      </Stack>
    );
  }
  return <ApprovalsList />;
}

function ApprovalsList() {
  const trpc = useTRPC();
  const list = useQuery(trpc.approvals.list.queryOptions());
  const [deciding, setDeciding] = useState<Decision | null>(null);
  return (
    <Stack gap="md">
      <Stack gap={2}>
        <Title order={1}>Approvals</Title>
        <Text size="sm" c="dimmed">
          Grants above the support limits wait here, oldest first. Nothing is applied or billed
          until an admin approves.
        </Text>
      </Stack>
      {list.isPending ? (
        <Stack gap={6} aria-busy="true">
          <Skeleton height={40} />
          <Skeleton height={40} />
        </Stack>
      ) : list.isError ? (
        <ErrorState
          title="Could not load the approvals"
          error={list.error}
          onRetry={() => void list.refetch()}
          retrying={list.isRefetching}
        />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No requests waiting">
          Grant requests above the support limits will appear here.
        </EmptyState>
      ) : (
        <Paper withBorder radius="sm">
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing={8} fz="sm" aria-label="Pending grant requests">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Requested</Table.Th>
                  <Table.Th>Requester</Table.Th>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>Why approval</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Decision</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((op) => (
                  <Table.Tr key={op.id}>
                    <Table.Td>
                      <StackedInstant value={op.createdAt} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                        {op.actor.email}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatRole(op.actor.role)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <AnchorLink
                        to="/customers/$externalId"
                        params={{ externalId: op.externalId }}
                        hash={`op-${op.id}`}
                        size="sm"
                      >
                        {op.externalId}
                      </AnchorLink>
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                      {formatNumber(op.amount ?? 0)}
                      <Badge
                        ml={6}
                        size="xs"
                        variant="light"
                        color={op.input.kind === "goodwill" ? "indigo" : "grape"}
                        tt="none"
                      >
                        {op.input.kind === "goodwill" ? "Goodwill" : "Billable"}
                      </Badge>
                    </Table.Td>
                    <Table.Td maw={260}>
                      <Text size="sm" lineClamp={3}>
                        {op.reason ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td maw={220}>
                      <Text size="xs" c="dimmed">
                        {op.reviewReason ?? operationStateInfo(op.state).hint}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Button
                          size="xs"
                          onClick={() => setDeciding({ op, decision: "approve" })}
                          aria-label={`Approve ${formatNumber(op.amount ?? 0)} credits for ${op.externalId}`}
                        >
                          Approve
                        </Button>
                        <Button
                          size="xs"
                          variant="default"
                          onClick={() => setDeciding({ op, decision: "reject" })}
                          aria-label={`Reject ${formatNumber(op.amount ?? 0)} credits for ${op.externalId}`}
                        >
                          Reject
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {deciding && <DecisionDialog {...deciding} onClose={() => setDeciding(null)} />}
      <NeedsReview />
    </Stack>
  );
}

function DecisionDialog({ op, decision, onClose }: Decision & { onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState("");
  const [touched, setTouched] = useState(false);
  const reasonError =
    decision === "reject" && reason.trim().length < 3 ? "A reason of at least 3 characters" : null;
  const onSuccess = async (result: Request) => {
    await Promise.all([
      queryClient.invalidateQueries(trpc.approvals.pathFilter()),
      queryClient.invalidateQueries(trpc.operations.pathFilter()),
      queryClient.invalidateQueries(trpc.customers.pathFilter()),
      queryClient.invalidateQueries(trpc.audit.pathFilter()),
    ]);
    const info = operationStateInfo(result.state);
    notifications.show({
      closeButtonProps: { "aria-label": "Dismiss" },
      color: decision === "approve" ? (info.tone === "success" ? "teal" : "orange") : "gray",
      title:
        decision === "approve" ? `Grant approved: ${info.label.toLowerCase()}` : "Grant rejected",
      message: `${formatNumber(result.amount ?? 0)} credits for ${result.externalId}${result.error ? ` — ${result.error}` : ""}.`,
    });
    onClose();
  };
  const approve = useMutation(trpc.approvals.approve.mutationOptions({ onSuccess }));
  const reject = useMutation(trpc.approvals.reject.mutationOptions({ onSuccess }));
  const pending = approve.isPending || reject.isPending;
  const error = approve.error ?? reject.error;
  const kind = op.input.kind === "goodwill" ? "goodwill" : "billable overage";
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={pending ? () => undefined : onClose}
      title={decision === "approve" ? "Approve this grant?" : "Reject this grant?"}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (pending) return;
          if (decision === "approve") approve.mutate({ operationId: op.id });
          else if (!reasonError) reject.mutate({ operationId: op.id, reason: reason.trim() });
        }}
      >
        <Stack gap="md">
          <Text size="sm">
            {formatNumber(op.amount ?? 0)} {kind} credits for <b>{op.externalId}</b>, requested by{" "}
            {op.actor.email}: “{op.reason}”.
          </Text>
          {decision === "approve" ? (
            <Text size="sm" fw={600}>
              {op.input.kind === "goodwill"
                ? "The credits are added at once; nothing is billed."
                : "The credits are added at once and billed as overage via Stripe."}
            </Text>
          ) : (
            <Textarea
              label="Reason for rejecting"
              description="The requester sees it in the ledger"
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              onBlur={() => setTouched(true)}
              error={touched ? reasonError : undefined}
              withAsterisk
              aria-required
              maxLength={500}
              data-autofocus
            />
          )}
          <DialogActions
            error={error}
            pending={pending}
            onCancel={onClose}
            submitLabel={decision === "approve" ? "Approve grant" : "Reject grant"}
            submitColor={decision === "reject" ? "red" : undefined}
            autoFocusSubmit={decision === "approve"}
          />
        </Stack>
      </form>
    </Modal>
  );
}
