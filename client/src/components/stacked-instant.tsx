import { Text } from "@mantine/core";
import { formatUtcInstant } from "../lib/format";
import { RelativeTime } from "./relative-time";

/** A table cell's instant: exact UTC on one line, relative time under it (ledger, audit, approvals). */
export function StackedInstant({ value }: { value: string }) {
  return (
    <>
      <Text size="sm" ff="monospace" style={{ whiteSpace: "nowrap" }}>
        {formatUtcInstant(value)}
      </Text>
      <RelativeTime value={value} size="xs" c="dimmed" />
    </>
  );
}
