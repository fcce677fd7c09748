import { Badge, Paper, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { AnchorLink } from "../../../components/anchor-link";
import { ErrorState } from "../../../components/error-state";
import { RelativeTime } from "../../../components/relative-time";
import { formatNumber, formatUtcInstant } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

/**
 * Operations whose outcome upstream could not be established (a lost answer from Unkey after a
 * credit update, Stripe retries exhausted). They are never retried blindly: an admin checks the
 * customer's keys and Stripe, using what the operation recorded, and settles it by hand.
 */
export function NeedsReview() {
  const trpc = useTRPC();
  const list = useQuery(trpc.operations.list.queryOptions({ state: "needs_review", limit: 100 }));
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
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((op) => (
                  <Table.Tr key={op.id}>
                    <Table.Td>
                      <Text size="sm" ff="monospace" style={{ whiteSpace: "nowrap" }}>
                        {formatUtcInstant(op.updatedAt)}
                      </Text>
                      <RelativeTime value={op.updatedAt} size="xs" c="dimmed" />
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
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
    </Stack>
  );
}
