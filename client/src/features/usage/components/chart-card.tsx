import { Box, Paper, Skeleton, Table, Text, Title } from "@mantine/core";
import { Suspense, useId, useState, type ReactNode } from "react";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";

export type TableColumn<R> = {
  key: string;
  label: string;
  numeric?: boolean;
  cell: (row: R) => string;
};

/**
 * A chart in a card with everything around it: title, the description screen readers get, loading,
 * error (with retry) and empty states, and the same data as a real table behind "Show as table".
 */
export function ChartCard<R>({
  title,
  description,
  summary,
  status,
  error,
  onRetry,
  retrying,
  empty,
  emptyTitle,
  emptyText,
  dimmed = false,
  note,
  rows,
  columns,
  rowKey,
  children,
}: {
  title: string;
  /** What the chart shows, for the aria-label and the text under the title. */
  description: string;
  /** A one-line reading of the data (totals, forecast), shown and announced with the chart. */
  summary?: ReactNode;
  status: "pending" | "error" | "success";
  error?: unknown;
  onRetry?: () => void;
  retrying?: boolean;
  empty: boolean;
  emptyTitle: string;
  emptyText: string;
  dimmed?: boolean;
  /** Shown under the chart, outside the image: e.g. how the drawing simplifies the data. */
  note?: ReactNode;
  rows: R[];
  columns: TableColumn<R>[];
  rowKey: (row: R) => string | number;
  children: ReactNode;
}) {
  const id = useId();
  const titleId = `${id}-title`;
  const descId = `${id}-desc`;
  const [open, setOpen] = useState(false);
  return (
    <Paper withBorder p="md" radius="sm" component="section" aria-labelledby={titleId}>
      <Title order={3} size="h5" id={titleId}>
        {title}
      </Title>
      <Text size="xs" c="dimmed" id={descId} mb="xs">
        {description}
      </Text>
      {summary && <Box mb="xs">{summary}</Box>}
      {status === "pending" ? (
        <Skeleton height={240} role="status" aria-label={`Loading ${title.toLowerCase()}`} />
      ) : status === "error" ? (
        <ErrorState
          title={`Could not load ${title.toLowerCase()}`}
          error={error}
          onRetry={onRetry}
          retrying={retrying}
        />
      ) : empty ? (
        <EmptyState title={emptyTitle}>{emptyText}</EmptyState>
      ) : (
        <>
          <div
            role="img"
            aria-label={title}
            aria-describedby={descId}
            style={{ opacity: dimmed ? 0.5 : 1, transition: "opacity 150ms" }}
          >
            <Suspense fallback={<Skeleton height={240} />}>{children}</Suspense>
          </div>
          {note && (
            <Text size="xs" c="dimmed" mt={4}>
              {note}
            </Text>
          )}
          <details onToggle={(e) => setOpen(e.currentTarget.open)} style={{ marginTop: 8 }}>
            <summary style={{ cursor: "pointer", fontSize: "var(--mantine-font-size-sm)" }}>
              Show as table
            </summary>
            {open && (
              <div
                role="region"
                aria-label={`${title}, table`}
                tabIndex={0}
                style={{ maxHeight: 320, overflow: "auto", marginTop: 8 }}
              >
                <Table striped stickyHeader>
                  <Table.Caption>{title}</Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      {columns.map((c) => (
                        <Table.Th key={c.key} ta={c.numeric ? "right" : undefined} scope="col">
                          {c.label}
                        </Table.Th>
                      ))}
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((row) => (
                      <Table.Tr key={rowKey(row)}>
                        {columns.map((c) => (
                          <Table.Td
                            key={c.key}
                            ta={c.numeric ? "right" : undefined}
                            style={c.numeric ? { fontVariantNumeric: "tabular-nums" } : undefined}
                          >
                            {c.cell(row)}
                          </Table.Td>
                        ))}
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </div>
            )}
          </details>
        </>
      )}
    </Paper>
  );
}
