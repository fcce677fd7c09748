import { Badge, Code, Group, Table, Text } from "@mantine/core";
import { CreditsMeter } from "../../../components/credits-meter";
import { EmptyState } from "../../../components/empty-state";
import { ScrollRegion } from "../../../components/scroll-region";
import type { CustomerKey } from "../../../lib/api-types";
import { useNow } from "../../../components/use-now";
import {
  formatBurnRate,
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
    <ScrollRegion label="Keys table" minWidth={1080}>
      <Table
        highlightOnHover
        withTableBorder
        aria-labelledby={labelledBy}
        style={{ fontVariantNumeric: "tabular-nums" }}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Key</Table.Th>
            <Table.Th scope="col" ta="right">
              Credits left
            </Table.Th>
            <Table.Th scope="col">Refill</Table.Th>
            <Table.Th scope="col">Next refill</Table.Th>
            <Table.Th scope="col">At next refill</Table.Th>
            <Table.Th scope="col" ta="right">
              Burn rate
            </Table.Th>
            <Table.Th scope="col">Last used</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {keys.map((key) => (
            <Table.Tr key={key.keyId}>
              <Table.Th scope="row" fw={400}>
                <Group gap={6} wrap="nowrap">
                  <Text size="sm" fw={600}>
                    {key.name ?? "Unnamed key"}
                  </Text>
                  <Code fz="xs">{key.start}…</Code>
                  {!key.enabled && (
                    <Badge size="xs" color="red" variant="light" tt="none">
                      Disabled
                    </Badge>
                  )}
                </Group>
                <Text size="xs" c="dimmed" ff="monospace">
                  {key.keyId}
                </Text>
                {key.createdAt && (
                  <Text size="xs" c="dimmed">
                    Created {formatUtcInstant(key.createdAt).slice(0, 10)}
                  </Text>
                )}
              </Table.Th>
              <Table.Td ta="right">
                <CreditsMeter
                  remaining={key.credits ? key.credits.remaining : null}
                  allowance={key.allowance}
                  width={130}
                />
              </Table.Td>
              <Table.Td>
                <RefillCell credits={key.credits} />
              </Table.Td>
              <Table.Td>
                {key.nextRefillAt ? (
                  <NextRefill at={key.nextRefillAt} />
                ) : (
                  <Text size="sm" c="dimmed">
                    {key.credits?.refill ? "Not scheduled" : "Never"}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <BalanceAtRefill creditsKey={key} />
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                <KeyBurn creditsKey={key} />
              </Table.Td>
              <Table.Td>
                <LastUsed at={key.lastUsedAt} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

function NextRefill({ at }: { at: string }) {
  const now = useNow();
  return (
    <div title={`Your time: ${formatLocalInstant(at)}`} style={{ cursor: "help" }}>
      <Text
        size="sm"
        ff="monospace"
        component="time"
        dateTime={at}
        style={{ whiteSpace: "nowrap" }}
      >
        {formatUtcInstant(at)}
      </Text>
      <Text size="xs" c="dimmed">
        {formatRelativeTime(at, now)}
      </Text>
    </div>
  );
}

function KeyBurn({ creditsKey: key }: { creditsKey: CustomerKey }) {
  if (!key.credits || key.credits.remaining === null || key.burnPerHour === null) {
    return (
      <Text span size="sm" c="dimmed">
        —
      </Text>
    );
  }
  if (key.burnPerHour <= 0) {
    return (
      <Text span size="sm" c="dimmed">
        Idle
      </Text>
    );
  }
  return (
    <Text span size="sm">
      {formatBurnRate(key.burnPerHour)}
    </Text>
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
    <Text size="sm" style={{ whiteSpace: "nowrap" }}>
      {formatRefillSchedule(credits.refill)} → {formatNumber(credits.refill.amount)}
    </Text>
  );
}

/**
 * What the balance becomes at the next refill. A refill sets the balance to the refill amount; a key
 * holding that much or more (a grant on top) is left as it is.
 */
function BalanceAtRefill({ creditsKey: key }: { creditsKey: CustomerKey }) {
  const credits = key.credits;
  if (!credits || credits.remaining === null) {
    return (
      <Text size="sm" c="dimmed">
        Unlimited
      </Text>
    );
  }
  if (!credits.refill || key.balanceAtNextRefill === null) {
    return (
      <Text size="sm" c="dimmed">
        No refill
      </Text>
    );
  }
  const untouched = credits.remaining >= credits.refill.amount;
  return (
    <div>
      <Text size="sm" style={{ whiteSpace: "nowrap" }}>
        {untouched ? "Stays" : "Becomes"} {formatNumber(key.balanceAtNextRefill)}
      </Text>
      {untouched && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          at or above the refill amount
        </Text>
      )}
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
