import {
  Alert,
  Badge,
  Button,
  Group,
  Skeleton,
  Stack,
  Table,
  Text,
  UnstyledButton,
} from "@mantine/core";
import { useNavigate } from "@tanstack/react-router";
import { memo, useRef, type MouseEvent, type ReactNode } from "react";
import { AnchorLink } from "../../../components/anchor-link";
import { CreditsMeter } from "../../../components/credits-meter";
import { IconAlert, IconArrowDown, IconArrowUp, IconSelector } from "../../../components/icons";
import { PlanBadge } from "../../../components/plan-badge";
import { RelativeTime } from "../../../components/relative-time";
import { StatusBadge } from "../../../components/status-badge";
import { useNow } from "../../../components/use-now";
import type { DirectoryFlag, DirectoryRow } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/errors";
import {
  formatLocalInstant,
  formatNumber,
  formatPercent,
  formatRelativeTime,
  formatUtcInstant,
} from "../../../lib/format";
import { useRowWindow } from "../row-window";
import { DIRECTORY_SCROLL_ID, SCROLL_ID_ATTR } from "../scroll";
import {
  toDirectoryQuery,
  type DirectoryQuery,
  type DirectorySearch,
  type DirectorySort,
} from "../search";
import { useDirectoryPages } from "../use-directory-window";
import classes from "./directory-table.module.css";

export const ROW_HEIGHT = 53;

type Column = {
  id: string;
  label: string;
  sort?: DirectorySort;
  width?: number;
  numeric?: boolean;
};

// Fixed widths (table-layout: fixed): rows come and go as the list scrolls, and columns must not
// jump with whatever happens to be on screen.
const COLUMNS: Column[] = [
  { id: "customer", label: "Customer", sort: "name" },
  { id: "plan", label: "Plan", width: 96 },
  { id: "keys", label: "Keys", width: 60, numeric: true },
  { id: "credits", label: "Credits left", sort: "credits_left", width: 176, numeric: true },
  { id: "percent", label: "% left", sort: "percent_left", width: 80, numeric: true },
  { id: "refill", label: "Next refill", sort: "next_refill", width: 172 },
  { id: "forecast", label: "Forecast", sort: "forecast", width: 112 },
  { id: "used", label: "Last used", sort: "last_used", width: 136 },
  { id: "status", label: "Status", width: 112 },
];

export function DirectoryTable({
  query,
  search,
  total,
  firstRows,
  stale,
  planNames,
  onSort,
}: {
  query: DirectoryQuery;
  search: DirectorySearch;
  total: number;
  firstRows: DirectoryRow[] | undefined;
  /** The previous view's rows are on screen while the new one loads. */
  stale: boolean;
  /** Plan id → display name, from the plan catalog. */
  planNames: ReadonlyMap<string, string>;
  onSort: (column: DirectorySort) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  const now = useNow();
  // Scrolling re-renders this component only (not the page), and only rows new to the window
  // render: the others are memoised.
  const { start, end, paddingTop, paddingBottom } = useRowWindow(scrollRef, {
    count: total,
    rowHeight: ROW_HEIGHT,
    overscan: 12,
  });
  const { rowAt, pageError, retryPages } = useDirectoryPages(
    query,
    { start, end },
    { rows: firstRows, stale },
  );
  const indexes: number[] = [];
  for (let i = start; i <= end; i++) indexes.push(i);

  // One handler for every row (event delegation) keeps the memoised rows' props stable.
  const onRowClick = (event: MouseEvent<HTMLTableSectionElement>) => {
    const target = event.target as HTMLElement | null;
    if (!target || target.closest("a, button, input")) return;
    if (window.getSelection()?.toString()) return; // selecting text to copy, not navigating
    const externalId = target.closest<HTMLElement>("tr[data-external-id]")?.dataset.externalId;
    if (!externalId) return;
    void navigate({ to: "/customers/$externalId", params: { externalId }, search });
  };

  return (
    <Stack gap={6}>
      {pageError && (
        <Alert color="red" variant="light" title="Some rows could not be loaded" role="alert">
          <Group justify="space-between">
            <Text size="sm">{errorMessage(pageError)}</Text>
            <Button size="xs" variant="default" onClick={retryPages}>
              Try again
            </Button>
          </Group>
        </Alert>
      )}
      {/* The router owns this element's scroll position (see ../scroll.ts). */}
      <div
        ref={scrollRef}
        className={classes.scroller}
        {...{ [SCROLL_ID_ATTR]: DIRECTORY_SCROLL_ID }}
      >
        <Table
          className={`${classes.table} ${stale ? classes.stale : ""}`}
          highlightOnHover
          aria-label="Customers"
          aria-rowcount={total + 1}
          aria-busy={stale || undefined}
        >
          <DirectoryTableHead search={search} onSort={onSort} />
          <Table.Tbody onClick={onRowClick}>
            {paddingTop > 0 && <Spacer height={paddingTop} />}
            {indexes.map((index) => {
              const row = rowAt(index);
              return row ? (
                <DirectoryTableRow
                  key={row.externalId}
                  index={index}
                  row={row}
                  search={search}
                  now={now}
                  planNames={planNames}
                />
              ) : (
                <PendingRow key={`pending-${index}`} index={index} />
              );
            })}
            {paddingBottom > 0 && <Spacer height={paddingBottom} />}
          </Table.Tbody>
        </Table>
      </div>
    </Stack>
  );
}

const DirectoryTableRow = memo(function DirectoryTableRow({
  index,
  row,
  search,
  now,
  planNames,
}: {
  index: number;
  row: DirectoryRow;
  search: DirectorySearch;
  now: number;
  planNames: ReadonlyMap<string, string>;
}) {
  return (
    <Table.Tr
      className={classes.row}
      style={{ height: ROW_HEIGHT }}
      aria-rowindex={index + 2}
      data-external-id={row.kind === "customer" ? row.externalId : undefined}
    >
      <DirectoryCells row={row} search={search} now={now} planNames={planNames} />
    </Table.Tr>
  );
});

const PendingRow = memo(function PendingRow({ index }: { index: number }) {
  return (
    <Table.Tr style={{ height: ROW_HEIGHT }} aria-rowindex={index + 2}>
      <SkeletonCells />
    </Table.Tr>
  );
});

function Spacer({ height }: { height: number }) {
  return (
    <tr aria-hidden="true" style={{ height }}>
      <td colSpan={COLUMNS.length} style={{ padding: 0, border: 0 }} />
    </tr>
  );
}

function DirectoryTableHead({
  search,
  onSort,
}: {
  search?: DirectorySearch;
  onSort?: (column: DirectorySort) => void;
}) {
  const current = search ? toDirectoryQuery(search) : undefined;
  return (
    <>
      <colgroup>
        {COLUMNS.map((c) => (
          <col key={c.id} style={c.width ? { width: c.width } : undefined} />
        ))}
      </colgroup>
      <Table.Thead>
        <Table.Tr aria-rowindex={1}>
          {COLUMNS.map((column) => {
            const sorted = current && column.sort === current.sort ? current.dir : undefined;
            return (
              <Table.Th
                key={column.id}
                scope="col"
                className={column.numeric ? classes.num : undefined}
                aria-sort={
                  sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined
                }
              >
                {column.sort && onSort ? (
                  <UnstyledButton
                    className={classes.sortButton}
                    onClick={() => column.sort && onSort(column.sort)}
                  >
                    {column.label}
                    {sorted === "asc" ? (
                      <IconArrowUp size={13} className={classes.sortIcon} />
                    ) : sorted === "desc" ? (
                      <IconArrowDown size={13} className={classes.sortIcon} />
                    ) : (
                      <IconSelector size={13} className={classes.sortIcon} />
                    )}
                  </UnstyledButton>
                ) : (
                  column.label
                )}
              </Table.Th>
            );
          })}
        </Table.Tr>
      </Table.Thead>
    </>
  );
}

const FLAGS: Record<DirectoryFlag, { label: string; hint: string }> = {
  no_stripe: {
    label: "No Stripe",
    hint: "No Stripe customer matches this identity (neither meta.stripeCustomerId nor metadata.unkey_external_id)",
  },
  no_keys: { label: "No keys", hint: "This identity has no API keys, so it cannot make calls" },
  no_identity: {
    label: "No identity",
    hint: "An API key that belongs to no Unkey identity: it has no customer record",
  },
};

function FlagBadges({ flags }: { flags: DirectoryFlag[] }) {
  if (flags.length === 0) return null;
  return (
    <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
      {flags.map((flag) => (
        <Badge
          key={flag}
          size="xs"
          variant="default"
          tt="none"
          title={FLAGS[flag].hint}
          leftSection={<IconAlert size={10} color="var(--mantine-color-orange-filled)" />}
          style={{ cursor: "help" }}
        >
          {FLAGS[flag].label}
        </Badge>
      ))}
    </Group>
  );
}

function DirectoryCells({
  row,
  search,
  now,
  planNames,
}: {
  row: DirectoryRow;
  search: DirectorySearch;
  now: number;
  planNames: ReadonlyMap<string, string>;
}) {
  const secondary =
    row.name && row.name !== row.externalId ? row.externalId : (row.email ?? undefined);
  return (
    <>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          {row.kind === "customer" ? (
            <AnchorLink
              to="/customers/$externalId"
              params={{ externalId: row.externalId }}
              search={search}
              fw={600}
              size="sm"
              underline="hover"
              className={classes.ellipsis}
            >
              {row.name ?? row.externalId}
            </AnchorLink>
          ) : (
            // No Unkey identity behind this row (a Stripe-only customer or a key without an
            // identity): there is no customer page to open, the flag badge says why.
            <Text fw={600} size="sm" className={classes.ellipsis}>
              {row.name ?? row.externalId}
            </Text>
          )}
          <FlagBadges flags={row.flags} />
        </Group>
        {secondary && (
          <Text size="xs" c="dimmed" ff="monospace" className={classes.ellipsis}>
            {secondary}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <PlanBadge plan={row.plan && (planNames.get(row.plan) ?? row.plan)} />
      </Table.Td>
      <Table.Td className={classes.num}>{formatNumber(row.keyCount)}</Table.Td>
      <Table.Td className={classes.num}>
        {row.keyCount === 0 ? (
          <Muted>—</Muted>
        ) : (
          <CreditsMeter
            remaining={row.creditsRemaining}
            allowance={row.creditsAllowance}
            width={150}
          />
        )}
      </Table.Td>
      <Table.Td className={classes.num}>
        {row.creditsRemaining === null ? <Muted>—</Muted> : formatPercent(row.percentLeft)}
      </Table.Td>
      <Table.Td>
        {row.nextRefillAt ? (
          <div title={`Your time: ${formatLocalInstant(row.nextRefillAt)}`}>
            <Text size="xs" ff="monospace" component="time" dateTime={row.nextRefillAt}>
              {formatUtcInstant(row.nextRefillAt)}
            </Text>
            <Text size="xs" c="dimmed">
              {formatRelativeTime(row.nextRefillAt, now)}
            </Text>
          </div>
        ) : (
          <Muted>{row.creditsRemaining === null ? "—" : "No refill"}</Muted>
        )}
      </Table.Td>
      <Table.Td>
        <ForecastCell row={row} />
      </Table.Td>
      <Table.Td>
        {row.lastUsedAt ? <RelativeTime value={row.lastUsedAt} /> : <Muted>Never</Muted>}
      </Table.Td>
      <Table.Td>
        <StatusBadge status={row.status} inOverage={row.inOverage} size="sm" stacked />
      </Table.Td>
    </>
  );
}

function ForecastCell({ row }: { row: DirectoryRow }) {
  if (row.status === "exhausted") return <Text size="sm">Exhausted</Text>;
  if (row.forecastExhaustionAt) {
    return (
      <RelativeTime
        value={row.forecastExhaustionAt}
        c={row.nextRefillAt && row.forecastExhaustionAt < row.nextRefillAt ? undefined : "dimmed"}
      />
    );
  }
  return (
    <Muted
      title={
        row.creditsRemaining === null
          ? "Unlimited: never runs out"
          : "Not expected to run out before the next refill"
      }
    >
      —
    </Muted>
  );
}

function Muted({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <Text size="sm" c="dimmed" span title={title}>
      {children}
    </Text>
  );
}

function SkeletonCells() {
  return (
    <>
      {COLUMNS.map((c) => (
        <Table.Td key={c.id}>
          <Skeleton
            height={10}
            width={c.id === "customer" ? "60%" : "70%"}
            ml={c.numeric ? "auto" : 0}
          />
        </Table.Td>
      ))}
    </>
  );
}

/** The first load: the real header (so the page does not jump) over placeholder rows. */
export function DirectoryTableSkeleton({ rows = 12 }: { rows?: number }) {
  return (
    <div className={classes.scroller}>
      <Table className={classes.table} aria-label="Customers (loading)" aria-busy="true">
        <DirectoryTableHead />
        <Table.Tbody>
          {Array.from({ length: rows }, (_, i) => (
            <Table.Tr key={i} style={{ height: ROW_HEIGHT }}>
              <SkeletonCells />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}
