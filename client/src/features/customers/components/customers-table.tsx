import { Skeleton, Table, Text } from "@mantine/core";
import { useNavigate } from "@tanstack/react-router";
import { AnchorLink } from "../../../components/anchor-link";
import type { MouseEvent } from "react";
import { CreditsMeter } from "../../../components/credits-meter";
import type { CustomerRow } from "../../../lib/api-types";
import { formatNumber } from "../../../lib/format";
import { PlanBadge } from "./plan-badge";
import classes from "./customers-table.module.css";

// Clicks on the row open the customer like the link in its first cell does; the link stays the real
// target for keyboards, middle-click and "open in new tab".
function isFromInteractive(event: MouseEvent): boolean {
  const target = event.target as HTMLElement | null;
  return !!target?.closest("a, button, input, [role='button']");
}

export function CustomersTable({ rows, q }: { rows: CustomerRow[]; q: string | undefined }) {
  const navigate = useNavigate();
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table highlightOnHover stickyHeader className={classes.table} aria-label="Customers">
        <CustomersTableHead />
        <Table.Tbody>
          {rows.map((row) => (
            <Table.Tr
              key={row.externalId}
              className={classes.row}
              onClick={(event) => {
                if (isFromInteractive(event)) return;
                if (window.getSelection()?.toString()) return; // selecting text to copy, not navigating
                void navigate({
                  to: "/customers/$externalId",
                  params: { externalId: row.externalId },
                  search: { q },
                });
              }}
            >
              <Table.Td>
                <AnchorLink
                  to="/customers/$externalId"
                  params={{ externalId: row.externalId }}
                  search={{ q }}
                  fw={600}
                  size="sm"
                  underline="hover"
                >
                  {row.name ?? row.externalId}
                </AnchorLink>
                <Text size="xs" c="dimmed" ff="monospace">
                  {row.name ? row.externalId : (row.email ?? "No name")}
                </Text>
              </Table.Td>
              <Table.Td>
                <PlanBadge plan={row.plan} />
              </Table.Td>
              <Table.Td ta="right" className={classes.num}>
                {formatNumber(row.keyCount)}
              </Table.Td>
              <Table.Td ta="right">
                <CreditsMeter remaining={row.creditsRemaining} allowance={row.creditsAllowance} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function CustomersTableHead() {
  return (
    <Table.Thead>
      <Table.Tr>
        <Table.Th scope="col">Customer</Table.Th>
        <Table.Th scope="col" w={160}>
          Plan
        </Table.Th>
        <Table.Th scope="col" w={80} ta="right">
          Keys
        </Table.Th>
        <Table.Th scope="col" w={200} ta="right">
          Credits left
        </Table.Th>
      </Table.Tr>
    </Table.Thead>
  );
}

export function CustomersTableSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table aria-busy="true" className={classes.table} aria-label="Customers (loading)">
        <CustomersTableHead />
        <Table.Tbody>
          {Array.from({ length: rows }, (_, i) => (
            <Table.Tr key={i}>
              <Table.Td>
                <Skeleton height={12} width="40%" mb={6} />
                <Skeleton height={10} width="25%" />
              </Table.Td>
              <Table.Td>
                <Skeleton height={18} width={60} />
              </Table.Td>
              <Table.Td>
                <Skeleton height={12} width={24} ml="auto" />
              </Table.Td>
              <Table.Td>
                <Skeleton height={12} width={120} ml="auto" mb={6} />
                <Skeleton height={4} width={150} ml="auto" />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
