import { Badge, Code, Skeleton, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { EmptyState } from "../../../components/empty-state";
import { ScrollRegion } from "../../../components/scroll-region";
import type { CustomerDetail, CustomerKey } from "../../../lib/api-types";
import { formatRateLimit } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { poolKey, poolUsageText } from "../pool-usage";

function keyLabel(keys: CustomerKey[], keyId: string): string {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) return keyId;
  return key.name ?? `${key.start}…`;
}

/**
 * Identity pools apply to every key of the customer; a key's own pool of the same name replaces the
 * identity's for that key (marked on both rows).
 */
export function PoolsTable({ data, labelledBy }: { data: CustomerDetail; labelledBy?: string }) {
  const { keys } = data;
  const rows = data.pools;
  const trpc = useTRPC();
  // Usage against each pool comes from analytics: its own query, so the table never waits for it.
  const usage = useQuery({
    ...trpc.usage.pools.queryOptions({ externalId: data.identity.externalId }),
    staleTime: 60_000,
    enabled: rows.length > 0,
  });
  const usageByPool = new Map(usage.data?.pools.map((p) => [poolKey(p), p.usage]));
  // A key pool with an identity pool's name replaces it for that key.
  const identityNames = new Set(rows.filter((p) => p.scope === "identity").map((p) => p.name));
  if (rows.length === 0) {
    return (
      <EmptyState title="No ratelimit pools">
        Neither this customer nor its keys have ratelimits; calls are limited by credits only.
      </EmptyState>
    );
  }
  return (
    <ScrollRegion label="Ratelimit pools table" minWidth={900}>
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
            <Table.Th scope="col">Usage (last 24 h)</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((row, i) => (
            <Table.Tr key={`${row.scope}-${row.keyIds.join(",")}-${row.name}-${i}`}>
              <Table.Th scope="row" fw={400}>
                <Code>{row.name}</Code>
              </Table.Th>
              <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                {formatRateLimit(row.limit, row.durationMs)}
              </Table.Td>
              <Table.Td>
                {row.scope === "identity" ? (
                  <Text size="sm">
                    All keys (identity)
                    {row.overriddenBy.length > 0 && (
                      <Badge
                        ml={6}
                        size="xs"
                        variant="light"
                        color="violet"
                        tt="none"
                        title="These keys have their own pool of the same name, which applies to them instead"
                      >
                        Overridden by key{" "}
                        {row.overriddenBy.map((id) => keyLabel(keys, id)).join(", ")}
                      </Badge>
                    )}
                  </Text>
                ) : (
                  <Text size="sm">
                    Key {row.keyIds.map((id) => keyLabel(keys, id)).join(", ")}
                    {identityNames.has(row.name) && (
                      <Badge ml={6} size="xs" variant="light" color="violet" tt="none">
                        Overrides identity pool
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
              <Table.Td>
                <PoolUsageCell
                  pending={usage.isPending}
                  failed={usage.isError}
                  usage={usageByPool.get(poolKey(row))}
                  limit={row.limit}
                />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

function PoolUsageCell({
  pending,
  failed,
  usage,
  limit,
}: {
  pending: boolean;
  failed: boolean;
  usage: Parameters<typeof poolUsageText>[0] | undefined;
  limit: number;
}) {
  if (pending)
    return <Skeleton height={14} width={120} role="status" aria-label="Loading pool usage" />;
  if (failed || !usage)
    return (
      <Text size="sm" c="dimmed">
        Unavailable
      </Text>
    );
  const { text, detail } = poolUsageText(usage, limit);
  return (
    <>
      <Text size="sm" c={usage.derivable ? undefined : "dimmed"}>
        {text}
      </Text>
      <Text size="xs" c="dimmed">
        {detail}
      </Text>
    </>
  );
}
