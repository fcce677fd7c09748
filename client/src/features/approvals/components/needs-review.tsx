import {
  Badge,
  Button,
  Modal,
  Paper,
  Radio,
  Skeleton,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { StackedInstant } from "../../../components/stacked-instant";
import { AnchorLink } from "../../../components/anchor-link";
import { DialogActions } from "../../../components/dialog-actions";
import { ErrorState } from "../../../components/error-state";
import type { RouterOutputs } from "../../../lib/api-types";
import { formatNumber } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

/**
 * Operations whose outcome upstream could not be established (a lost answer from Unkey after a
 * credit update, Stripe retries exhausted). They are never retried blindly: an admin checks the
 * customer's keys and Stripe, using what the operation recorded, and settles it by hand: records
 * whether the effect is there (done) or not (failed). Settling writes nothing to Unkey or Stripe.
 */
type Operation = RouterOutputs["operations"]["list"]["items"][number];

export function NeedsReview() {
  const trpc = useTRPC();
  const list = useQuery(trpc.operations.list.queryOptions({ state: "needs_review", limit: 100 }));
  const [settling, setSettling] = useState<Operation | null>(null);
  return (
    <Stack gap="xs" component="section" aria-labelledby="needs-review-heading">
      <Title order={2} size="h4" id="needs-review-heading">
        Needs review
      </Title>
      <Text size="sm" c="dimmed">
        Actions whose effect in Unkey or Stripe could not be confirmed. They are not retried
        automatically; check the customer&apos;s balance and Stripe before acting again.
      </Text>
      {list.isPending ? (
        <Skeleton height={40} />
      ) : list.isError ? (
        <ErrorState
          title="Could not load operations needing review"
          error={list.error}
          onRetry={() => void list.refetch()}
          retrying={list.isRefetching}
        />
      ) : list.data.items.length === 0 ? (
        <Text size="sm">Nothing needs review.</Text>
      ) : (
        <Paper withBorder radius="sm">
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing={8} fz="sm" aria-labelledby="needs-review-heading">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Customer</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>By</Table.Th>
                  <Table.Th>Why</Table.Th>
                  <Table.Th>Finding</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((op) => (
                  <Table.Tr key={op.id}>
                    <Table.Td>
                      <StackedInstant value={op.updatedAt} />
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
                    <Table.Td>
                      <Badge variant="light" color="orange" tt="none">
                        {op.kind === "grant"
                          ? `Grant ${formatNumber(op.amount ?? 0)}`
                          : "Plan change"}
                      </Badge>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {op.id}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{op.actor.email}</Text>
                    </Table.Td>
                    <Table.Td maw={360}>
                      <Text size="sm">{op.reviewReason ?? op.error ?? "—"}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        onClick={() => setSettling(op)}
                        aria-label={`Settle operation ${op.id} for ${op.externalId}`}
                      >
                        Settle…
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {settling && <SettleDialog op={settling} onClose={() => setSettling(null)} />}
    </Stack>
  );
}

function SettleDialog({ op, onClose }: { op: Operation; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [outcome, setOutcome] = useState<"done" | "failed" | null>(null);
  const [note, setNote] = useState("");
  const [touched, setTouched] = useState(false);
  const noteError = note.trim().length < 3 ? "What you checked, at least 3 characters" : null;
  const outcomeError = outcome === null ? "Choose what you found" : null;
  const settle = useMutation(
    trpc.approvals.settle.mutationOptions({
      onSuccess: async (result) => {
        await Promise.all([
          queryClient.invalidateQueries(trpc.operations.pathFilter()),
          queryClient.invalidateQueries(trpc.customers.pathFilter()),
          queryClient.invalidateQueries(trpc.audit.pathFilter()),
        ]);
        notifications.show({
          closeButtonProps: { "aria-label": "Dismiss" },
          color: result.state === "done" ? "teal" : "gray",
          title: result.state === "done" ? "Recorded as done" : "Recorded as failed",
          message: `Operation ${result.id} for ${result.externalId}. Nothing was sent to Unkey or Stripe.`,
        });
        onClose();
      },
    }),
  );
  const what =
    op.kind === "grant" ? `A grant of ${formatNumber(op.amount ?? 0)} credits` : "A plan change";
  return (
    <Modal
      closeButtonProps={{ "aria-label": "Close" }}
      opened
      onClose={settle.isPending ? () => undefined : onClose}
      title="Settle this operation?"
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setTouched(true);
          if (settle.isPending || noteError || outcome === null) return;
          settle.mutate({ operationId: op.id, outcome, note: note.trim() });
        }}
      >
        <Stack gap="md">
          <Text size="sm">
            {what} for <b>{op.externalId}</b>, requested by {op.actor.email}. Check the
            customer&apos;s keys in Unkey and the customer in Stripe first, then record what you
            found. The console sends nothing upstream; the finding goes into the audit log.
          </Text>
          <Radio.Group
            label="What did you find?"
            value={outcome}
            onChange={(v) => setOutcome(v === "done" ? "done" : "failed")}
            error={touched ? outcomeError : undefined}
            withAsterisk
          >
            <Stack gap={6} mt={6}>
              <Radio value="done" label="The change is in Unkey and Stripe: mark it done" />
              <Radio value="failed" label="It was not applied (or was undone): mark it failed" />
            </Stack>
          </Radio.Group>
          <Textarea
            label="Note"
            description="What you checked and where, e.g. the Stripe meter event id"
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            onBlur={() => setTouched(true)}
            error={touched ? noteError : undefined}
            withAsterisk
            aria-required
            maxLength={500}
          />
          <DialogActions
            error={settle.error}
            errorTitle="Not recorded"
            pending={settle.isPending}
            onCancel={onClose}
            submitLabel="Record finding"
          />
        </Stack>
      </form>
    </Modal>
  );
}
