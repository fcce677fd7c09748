import { Badge, Code, Table, Text } from "@mantine/core";
import { EmptyState } from "../../../components/empty-state";
import type { CustomerKey, Pool } from "../../../lib/api-types";
import { formatRateLimit } from "../../../lib/format";

type PoolRow = Pool & { scope: "identity" | "key"; keyLabel?: string; overrides: boolean };

/**
 * Identity pools apply to every key of the customer; a key's own pool of the same name replaces the
 * identity's for that key, which is what "overrides" marks.
 */
export function poolRows(identityPools: Pool[], keys: CustomerKey[]): PoolRow[] {
  const identityNames = new Set(identityPools.map((p) => p.name));
  const rows: PoolRow[] = identityPools.map((p) => ({ ...p, scope: "identity", overrides: false }));
  for (const key of keys) {
    for (const p of key.ratelimits) {
      rows.push({
        ...p,
        scope: "key",
        keyLabel: key.name ?? `${key.start}…`,
        overrides: identityNames.has(p.name),
      });
    }
  }
  return rows;
}

export function PoolsTable({
  identityPools,
  keys,
  labelledBy,
}: {
  identityPools: Pool[];
  keys: CustomerKey[];
  labelledBy?: string;
}) {
  const rows = poolRows(identityPools, keys);
  if (rows.length === 0) {
    return (
      <EmptyState title="No ratelimit pools">
        Neither this customer nor its keys have ratelimits; calls are limited by credits only.
      </EmptyState>
    );
  }
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table
        aria-labelledby={labelledBy}
        highlightOnHover
        withTableBorder
        style={{ fontVariantNumeric: "tabular-nums" }}
      >
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Pool</Table.Th>
            <Table.Th scope="col" ta="right">
              Limit
            </Table.Th>
            <Table.Th scope="col">Applies to</Table.Th>
            <Table.Th scope="col">Auto-apply</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={`${row.scope}-${row.keyLabel ?? ""}-${row.name}-${i}`}>
              <Table.Th scope="row" fw={400}>
                <Code>{row.name}</Code>
              </Table.Th>
              <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                {formatRateLimit(row.limit, row.durationMs)}
              </Table.Td>
              <Table.Td>
                {row.scope === "identity" ? (
                  <Text size="sm">All keys (identity)</Text>
                ) : (
                  <Text size="sm">
                    Key {row.keyLabel}
                    {row.overrides && (
                      <Badge ml={6} size="xs" variant="light" color="violet">
                        Overrides identity
                      </Badge>
                    )}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {row.autoApply ? (
                  <Text size="sm">Yes</Text>
                ) : (
                  <Text size="sm" c="dimmed">
                    No, only when named
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
