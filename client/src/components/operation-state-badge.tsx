import { Badge } from "@mantine/core";
import { operationStateInfo } from "../lib/operation-state";

/** The state of a grant or plan change, in words; the colour only repeats them. */
export function OperationStateBadge({ state }: { state: string }) {
  const info = operationStateInfo(state);
  const filled = info.tone === "warning";
  return (
    <Badge
      variant={filled ? "filled" : "light"}
      color={info.color}
      size="sm"
      tt="none"
      title={info.hint}
      style={filled ? { color: "var(--mantine-color-black)" } : undefined}
    >
      {info.label}
    </Badge>
  );
}
