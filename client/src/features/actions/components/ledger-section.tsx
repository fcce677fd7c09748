import {
  Badge,
  Group,
  Pagination,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { StackedInstant } from "../../../components/stacked-instant";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { OperationStateBadge } from "../../../components/operation-state-badge";
import { RelativeTime } from "../../../components/relative-time";
import { formatNumber, formatRole } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

const PAGE = 20;

/** A customer's grants and plan changes: who, when, what, why, and where each one stands. */
export function LedgerSection({ externalId }: { externalId: string }) {
  const trpc = useTRPC();
  const [page, setPage] = useState(1);
  const ledger = useQuery({
    ...trpc.operations.ledger.queryOptions({ externalId, limit: PAGE, offset: (page - 1) * PAGE }),
    placeholderData: keepPreviousData,
  });
  const plans = useQuery({ ...trpc.plans.list.queryOptions(), staleTime: 5 * 60_000 });
  const planName = (id: string | null) =>
    id ? (plans.data?.find((p) => p.id === id)?.name ?? id) : "—";

  return (
    <section aria-labelledby="ledger-heading">
      <Group justify="space-between" mb="xs">
        <Title order={2} size="h4" id="ledger-heading">
          Ledger
        </Title>
        {ledger.data && (
          <Text size="xs" c="dimmed">
            {formatNumber(ledger.data.total)} {ledger.data.total === 1 ? "entry" : "entries"}
          </Text>
        )}
      </Group>
      {ledger.isPending ? (
        <Stack gap={6} aria-busy="true">
          <Skeleton height={32} />
          <Skeleton height={32} />
        </Stack>
      ) : ledger.isError ? (
        <ErrorState
          title="Could not load the ledger"
          error={ledger.error}
          onRetry={() => void ledger.refetch()}
          retrying={ledger.isRefetching}
        />
      ) : ledger.data.items.length === 0 ? (
        <EmptyState title="No grants or plan changes yet">
          Credit grants and plan changes for this customer will be listed here.
        </EmptyState>
      ) : (
        <Paper withBorder radius="sm">
          <Table.ScrollContainer minWidth={860}>
            <Table verticalSpacing={6} fz="sm" striped aria-labelledby="ledger-heading">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>When</Table.Th>
                  <Table.Th>Who</Table.Th>
                  <Table.Th>What</Table.Th>
                  <Table.Th ta="right">Amount</Table.Th>
                  <Table.Th>Reason</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th>Approval</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {ledger.data.items.map((e) => (
                  <Table.Tr key={e.operationId} id={`op-${e.operationId}`}>
                    <Table.Td>
                      <StackedInstant value={e.at} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
                        {e.by}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatRole(e.role)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {e.kind === "grant" ? (
                        <>
                          <Text size="sm">Grant</Text>
                          <Badge
                            size="xs"
                            variant="light"
                            color={e.grantKind === "billable" ? "grape" : "indigo"}
                            tt="none"
                          >
                            {e.grantKind === "billable" ? "Billable overage" : "Goodwill"}
                          </Badge>
                        </>
                      ) : (
                        <>
                          <Text size="sm">Plan change → {planName(e.planId)}</Text>
                          <Text size="xs" c="dimmed">
                            {e.strategy === "reset"
                              ? "Reset to new allowance"
                              : "Add the difference"}
                          </Text>
                        </>
                      )}
                    </Table.Td>
                    <Table.Td ta="right" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                      {e.amount !== null ? `+${formatNumber(e.amount)}` : "—"}
                    </Table.Td>
                    <Table.Td maw={260}>
                      <Text size="sm" lineClamp={3} title={e.reason ?? undefined}>
                        {e.reason ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <OperationStateBadge state={e.state} />
                      {(e.error ?? e.reviewReason) && (
                        <Text size="xs" c="dimmed" maw={220}>
                          {e.error ?? e.reviewReason}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {e.approval ? (
                        <>
                          <Text size="sm">
                            {e.approval.decision === "approved" ? "Approved" : "Rejected"} by{" "}
                            {e.approval.by}
                          </Text>
                          <RelativeTime value={e.approval.at} size="xs" c="dimmed" />
                          {e.approval.reason && (
                            <Text size="xs" c="dimmed">
                              “{e.approval.reason}”
                            </Text>
                          )}
                        </>
                      ) : e.state === "awaiting_approval" ? (
                        <Text size="sm" c="dimmed">
                          Waiting for an admin
                        </Text>
                      ) : (
                        <Text size="sm" c="dimmed">
                          Not needed
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {ledger.data.total > PAGE && (
            <Group justify="flex-end" p="xs">
              <Pagination
                size="sm"
                total={Math.ceil(ledger.data.total / PAGE)}
                value={page}
                onChange={setPage}
                getControlProps={(control) => ({ "aria-label": `${control} page` })}
              />
            </Group>
          )}
        </Paper>
      )}
    </section>
  );
}
