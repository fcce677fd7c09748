import { Badge, Text } from "@mantine/core";

// Only hues whose "light" badge (shade 9 on shade 1) keeps 4.5:1 contrast: teal, green, lime,
// yellow and orange do not.
const KNOWN: Record<string, string> = {
  free: "gray",
  hobby: "gray",
  starter: "blue",
  basic: "blue",
  pro: "indigo",
  growth: "cyan",
  scale: "cyan",
  business: "grape",
  enterprise: "grape",
};
const FALLBACK = ["violet", "pink", "cyan", "blue"];

function planColor(plan: string): string {
  const known = KNOWN[plan.toLowerCase()];
  if (known) return known;
  let hash = 0;
  for (const ch of plan) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length] ?? "gray";
}

export function PlanBadge({ plan }: { plan: string | null }) {
  if (!plan) {
    return (
      <Text size="sm" c="dimmed">
        No plan
      </Text>
    );
  }
  return (
    <Badge variant="light" color={planColor(plan)} tt="none" size="md">
      {plan}
    </Badge>
  );
}
