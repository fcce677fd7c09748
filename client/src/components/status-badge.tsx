import { Badge, Group } from "@mantine/core";

export type CreditStatus = "healthy" | "low" | "exhausted" | "unlimited" | "no_keys";

// Text on every badge: the colour only repeats what the word says (WCAG 1.4.1). Hues are ones whose
// "light" badge keeps 4.5:1 contrast in both schemes (see the theme's variables resolver).
// "Low" is filled: a light orange badge cannot reach 4.5:1 (shade 9 on shade 0), and a warning may
// as well stand out.
const STATUS: Record<
  CreditStatus,
  { label: string; color: string; hint: string; filled?: boolean }
> = {
  healthy: { label: "Healthy", color: "teal", hint: "20 % or more of the allowance left" },
  low: { label: "Low", color: "orange", hint: "Under 20 % of the allowance left", filled: true },
  exhausted: { label: "Exhausted", color: "red", hint: "No credits left until the next refill" },
  unlimited: { label: "Unlimited", color: "indigo", hint: "At least one key has no credit limit" },
  no_keys: { label: "No keys", color: "gray", hint: "This customer has no API keys" },
};

export function statusLabel(status: CreditStatus): string {
  return STATUS[status].label;
}

export function StatusBadge({
  status,
  inOverage = false,
  size = "sm",
  stacked = false,
}: {
  status: CreditStatus;
  inOverage?: boolean;
  size?: "xs" | "sm" | "md";
  /** Narrow table cells: the overage badge goes under the status instead of beside it. */
  stacked?: boolean;
}) {
  const s = STATUS[status];
  return (
    <Group gap={stacked ? 2 : 4} wrap={stacked ? "wrap" : "nowrap"}>
      <Badge
        variant={s.filled ? "filled" : "light"}
        color={s.color}
        size={size}
        title={s.hint}
        tt="none"
        // Black on orange: white text cannot reach 4.5:1 on either scheme's orange.
        style={s.filled ? { color: "var(--mantine-color-black)" } : undefined}
      >
        {s.label}
      </Badge>
      {inOverage && (
        <Badge
          variant="light"
          color="grape"
          size={size}
          tt="none"
          title="Used more than the allowance this billing period; the excess is billed as overage"
        >
          Overage
        </Badge>
      )}
    </Group>
  );
}
