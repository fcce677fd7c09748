import { Box, Code, Group, Table, Text } from "@mantine/core";
import { CreditsMeter } from "../../../components/credits-meter";
import { EmptyState } from "../../../components/empty-state";
import { UtcInstant } from "../../../components/utc-instant";
import type { CustomerKey } from "../../../lib/api-types";
import { useNow } from "../../../components/use-now";
import {
  formatLocalInstant,
  formatNumber,
  formatRefillSchedule,
  formatRelativeTime,
  formatUtcInstant,
} from "../../../lib/format";

/** `labelledBy`: the id of the section heading that names the table ("Keys"). */
export function KeysTable({ keys, labelledBy }: { keys: CustomerKey[]; labelledBy?: string }) {
  if (keys.length === 0) {
    return (
      <EmptyState title="No keys">
        This customer has no API keys, so it cannot make calls. Keys created in Unkey for this
        identity appear here.
      </EmptyState>
    );
  }
  return (
    <Table.ScrollContainer minWidth={1040}>
      <Table
        highlightOnHover
        withTableBorder
        aria-labelledby={labelledBy}
        style={{ fontVariantNumeric: "tabular-nums" }}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Key</Table.Th>
            <Table.Th scope="col">Prefix</Table.Th>
            <Table.Th scope="col" w={110}>
              Status
            </Table.Th>
            <Table.Th scope="col" ta="right">
              Credits left
            </Table.Th>
            <Table.Th scope="col">Refill</Table.Th>
            <Table.Th scope="col">Next refill</Table.Th>
            <Table.Th scope="col">Last used</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.map((key) => (
            <Table.Tr key={key.keyId}>
              <Table.Th scope="row" fw={400}>
                <Text size="sm" fw={600}>
                  {key.name ?? "Unnamed key"}
                </Text>
                <Text size="xs" c="dimmed" ff="monospace">
                  {key.keyId}
                </Text>
                {key.createdAt && (
                  <Text size="xs" c="dimmed">
                    Created {formatUtcInstant(key.createdAt).slice(0, 10)}
                  </Text>
                )}
              </Table.Th>
              <Table.Td>
                <Code>{key.start}…</Code>
              </Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Box
                    aria-hidden
                    w={8}
                    h={8}
                    style={{
                      borderRadius: "50%",
                      flexShrink: 0,
                      background: `var(--mantine-color-${key.enabled ? "teal" : "red"}-filled)`,
                    }}
                  />
                  <Text size="sm">{key.enabled ? "Enabled" : "Disabled"}</Text>
                </Group>
              </Table.Td>
              <Table.Td ta="right">
                <CreditsMeter
                  remaining={key.credits ? key.credits.remaining : null}
                  allowance={key.credits?.refill?.amount ?? null}
                />
              </Table.Td>
              <Table.Td>
                <RefillCell credits={key.credits} />
              </Table.Td>
              <Table.Td>
                {key.nextRefillAt ? (
                  <UtcInstant value={key.nextRefillAt} />
                ) : (
                  <Text size="sm" c="dimmed">
                    {key.credits?.refill ? "Not scheduled" : "Never"}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <LastUsed at={key.lastUsedAt} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function RefillCell({ credits }: { credits: CustomerKey["credits"] }) {
  if (!credits || credits.remaining === null) {
    return (
      <Text size="sm" c="dimmed">
        Not needed (unlimited)
      </Text>
    );
  }
  if (!credits.refill) {
    return (
      <Text size="sm" c="dimmed">
        No refill
      </Text>
    );
  }
  return (
    <div>
      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
        {formatRefillSchedule(credits.refill)}
      </Text>
      <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
        to {formatNumber(credits.refill.amount)} credits
      </Text>
    </div>
  );
}

function LastUsed({ at }: { at: string | null }) {
  const now = useNow();
  if (!at) {
    return (
      <Text size="sm" c="dimmed">
        Never
      </Text>
    );
  }
  return (
    <Text
      component="time"
      dateTime={at}
      size="sm"
      title={`${formatUtcInstant(at)} (your time: ${formatLocalInstant(at)})`}
      style={{ whiteSpace: "nowrap", cursor: "help" }}
    >
      {formatRelativeTime(at, now)}
    </Text>
  );
}
