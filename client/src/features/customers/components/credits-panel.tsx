import { Group, Paper, Progress, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { StatusBadge } from "../../../components/status-badge";
import { UtcInstant } from "../../../components/utc-instant";
import { useNow } from "../../../components/use-now";
import type { CustomerSummary } from "../../../lib/api-types";
import {
  formatBurnRate,
  formatForecast,
  formatNumber,
  formatPercent,
  percentLeft,
} from "../../../lib/format";

function barColor(pct: number): string {
  if (pct <= 0) return "red";
  if (pct < 20) return "orange";
  return "teal";
}

/** The customer's credits over all keys: where they stand, how fast they burn, when they run out. */
export function CreditsPanel({ summary }: { summary: CustomerSummary }) {
  const now = useNow();
  const unlimited = summary.creditsRemaining === null;
  const pct =
    summary.percentLeft ?? percentLeft(summary.creditsRemaining, summary.creditsAllowance);
  const forecast = formatForecast(summary.forecast, summary.nextRefillAt, now);
  const warn = summary.forecast.kind === "runs_out" || summary.forecast.kind === "exhausted";

  return (
    <Paper withBorder p="md" radius="sm" component="section" aria-labelledby="credits-heading">
      <Group justify="space-between" mb="sm" wrap="wrap" gap="xs">
        <Title order={2} size="h4" id="credits-heading">
          Credits, all keys
        </Title>
        <StatusBadge status={summary.status} inOverage={summary.inOverage} size="md" />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} spacing="lg" verticalSpacing="md">
        <Stack gap={4}>
          <Text size="xs" c="dimmed" fw={500}>
            Remaining
          </Text>
          {unlimited ? (
            <Text size="xl" fw={650}>
              Unlimited
            </Text>
          ) : (
            <>
              <Text size="xl" fw={650} style={{ fontVariantNumeric: "tabular-nums" }}>
                {formatNumber(summary.creditsRemaining ?? 0)}
                <Text span size="sm" c="dimmed" fw={400}>
                  {summary.creditsAllowance !== null
                    ? ` of ${formatNumber(summary.creditsAllowance)} credits`
                    : " credits"}
                </Text>
              </Text>
              {pct !== null && (
                <Group gap="xs" wrap="nowrap">
                  <Progress
                    value={Math.max(0, Math.min(100, pct))}
                    color={barColor(pct)}
                    size="md"
                    style={{ flex: 1 }}
                    aria-label={`${formatPercent(pct)} of the allowance left`}
                  />
                  <Text
                    size="sm"
                    style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}
                  >
                    {formatPercent(pct)} left
                  </Text>
                </Group>
              )}
            </>
          )}
        </Stack>
        <Stack gap={4}>
          <Text size="xs" c="dimmed" fw={500}>
            Burn rate (recent)
          </Text>
          <Text size="md" fw={550} style={{ fontVariantNumeric: "tabular-nums" }}>
            {unlimited && summary.burnPerHour === null ? "—" : formatBurnRate(summary.burnPerHour)}
          </Text>
        </Stack>
        <Stack gap={4}>
          <Text size="xs" c="dimmed" fw={500}>
            Forecast
          </Text>
          <Text size="sm" fw={warn ? 650 : 400}>
            {forecast}
          </Text>
        </Stack>
        <Stack gap={4}>
          <Text size="xs" c="dimmed" fw={500}>
            Next refill
          </Text>
          {summary.nextRefillAt ? (
            <UtcInstant value={summary.nextRefillAt} />
          ) : (
            <Text size="sm" c="dimmed">
              {unlimited ? "Not needed (unlimited)" : "No key refills"}
            </Text>
          )}
        </Stack>
      </SimpleGrid>
    </Paper>
  );
}
