import { Text, type TextProps } from "@mantine/core";
import { formatLocalInstant, formatRelativeTime, formatUtcInstant } from "../lib/format";
import { useNow } from "./use-now";

/** "3 minutes ago" / "in 5 hours"; the exact UTC instant and the viewer's local time on hover. */
export function RelativeTime({
  value,
  prefix = "",
  ...props
}: { value: string; prefix?: string } & TextProps) {
  const now = useNow();
  return (
    <Text
      component="time"
      dateTime={value}
      size="sm"
      title={`${formatUtcInstant(value)} (your time: ${formatLocalInstant(value)})`}
      style={{ whiteSpace: "nowrap", cursor: "help" }}
      {...props}
    >
      {prefix}
      {formatRelativeTime(value, now)}
    </Text>
  );
}
