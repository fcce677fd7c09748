import { Group, Text } from "@mantine/core";
import { formatLocalInstant, formatRelativeTime, formatUtcInstant } from "../lib/format";
import { useNow } from "./use-now";

/**
 * An exact instant in UTC with a relative time beside it; the viewer's local time is in the native
 * tooltip (title). A native title rather than a popover keeps floating-ui out of the bundle.
 */
export function UtcInstant({
  value,
  withRelative = true,
}: {
  value: string;
  withRelative?: boolean;
}) {
  const now = useNow();
  const local = `Your time: ${formatLocalInstant(value)}`;
  return (
    <Group gap={6} wrap="nowrap">
      <Text
        component="time"
        dateTime={value}
        title={local}
        size="sm"
        ff="monospace"
        style={{ whiteSpace: "nowrap", cursor: "help" }}
      >
        {formatUtcInstant(value)}
      </Text>
      {withRelative && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
          {formatRelativeTime(value, now)}
        </Text>
      )}
    </Group>
  );
}
