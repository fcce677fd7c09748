import { Progress, Stack, Text } from "@mantine/core";
import { formatCreditsOf, percentLeft } from "../lib/format";

function barColor(pct: number): string {
  if (pct <= 0) return "red";
  if (pct < 20) return "orange";
  return "teal";
}

/** Credits remaining against an allowance: "1,234 of 5,000" over a thin bar; "Unlimited" for null. */
export function CreditsMeter({
  remaining,
  allowance,
  width = 150,
  align = "end",
}: {
  remaining: number | null;
  allowance: number | null;
  width?: number;
  /** "end" for numeric table columns (right-aligned), "start" inside a text layout. */
  align?: "start" | "end";
}) {
  const pct = percentLeft(remaining, allowance);
  const label = formatCreditsOf(remaining, allowance);
  return (
    <Stack
      gap={3}
      align={align === "end" ? "flex-end" : "flex-start"}
      miw={width}
      ml={align === "end" ? "auto" : undefined}
    >
      <Text
        size="sm"
        ta={align === "end" ? "right" : "left"}
        style={{ fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" }}
        c={remaining === null ? "dimmed" : undefined}
      >
        {label}
      </Text>
      {pct !== null && (
        <Progress
          value={pct}
          color={barColor(pct)}
          size={4}
          w={width}
          aria-label={`${Math.round(pct)}% of allowance left`}
        />
      )}
    </Stack>
  );
}
