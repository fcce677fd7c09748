import { Button, Group, Paper, Table, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { EmptyState } from "../../../components/empty-state";
import { IconDownload } from "../../../components/icons";
import { csvFilename, downloadCsv, toCsv, type CsvColumn } from "../../../lib/csv";

export type Column<R> = {
  key: string;
  label: string;
  numeric?: boolean;
  render: (row: R) => ReactNode;
  /** The raw value for the CSV: numbers unformatted, money in dollars. */
  csv: (row: R) => string | number | null;
};

/** A titled table with an "Export CSV" of exactly the rows shown. */
export function DataTable<R>({
  id,
  title,
  description,
  columns,
  rows,
  rowKey,
  csvSuffix,
  emptyTitle,
  emptyText,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  csvSuffix: string;
  emptyTitle: string;
  emptyText: string;
}) {
  const headingId = `${id}-heading`;
  const exportCsv = () => {
    const csvColumns: CsvColumn<R>[] = columns.map((c) => ({ header: c.label, value: c.csv }));
    downloadCsv(csvFilename(title, csvSuffix), toCsv(csvColumns, rows));
  };
  return (
    <Paper withBorder p="md" radius="sm" component="section" aria-labelledby={headingId}>
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <div>
          <Title order={2} size="h4" id={headingId}>
            {title}
          </Title>
          {description && (
            <Text size="xs" c="dimmed">
              {description}
            </Text>
          )}
        </div>
        <Button
          variant="default"
          size="xs"
          leftSection={<IconDownload size={14} />}
          onClick={exportCsv}
          disabled={rows.length === 0}
          aria-describedby={headingId}
        >
          Export CSV
        </Button>
      </Group>
      {rows.length === 0 ? (
        <EmptyState title={emptyTitle}>{emptyText}</EmptyState>
      ) : (
        <div
          role="region"
          aria-label={`${title}, table`}
          tabIndex={0}
          style={{ overflowX: "auto" }}
        >
          <Table striped aria-labelledby={headingId} miw={640}>
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c.key} scope="col" ta={c.numeric ? "right" : undefined}>
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
                      style={
                        c.numeric
                          ? { fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" }
                          : undefined
                      }
                    >
                      {c.render(row)}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
      )}
    </Paper>
  );
}
