// Recharts is loaded lazily with this module: none of it reaches the first load.
import { Group, Paper, Stack, Text } from "@mantine/core";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { OVERAGE_REVENUE_COLOR, PLAN_REVENUE_COLOR, type PlanRevenueRow } from "../shape";

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const compactUsd = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  maximumFractionDigits: 1,
});
const AXIS_TICK = { fill: "var(--mantine-color-dimmed)", fontSize: 11 };

const SERIES = [
  { key: "planRevenue", label: "Plan revenue", color: PLAN_REVENUE_COLOR },
  { key: "overageRevenue", label: "Overage revenue", color: OVERAGE_REVENUE_COLOR },
] as const;

function Swatch({ color }: { color: string }) {
  return (
    <span
      aria-hidden="true"
      style={{ display: "inline-block", width: 12, height: 12, borderRadius: 2, background: color }}
    />
  );
}

export function RevenueChart({ rows }: { rows: PlanRevenueRow[] }) {
  return (
    <>
      <ResponsiveContainer width="100%" height={Math.max(120, rows.length * 44 + 40)}>
        <BarChart data={rows} layout="vertical" accessibilityLayer={false} margin={{ right: 24 }}>
          <CartesianGrid
            stroke="var(--mantine-color-default-border)"
            strokeDasharray="3 3"
            horizontal={false}
          />
          <XAxis
            type="number"
            tick={AXIS_TICK}
            tickFormatter={(v: number) => compactUsd.format(v)}
          />
          <YAxis type="category" dataKey="plan" tick={AXIS_TICK} width={96} />
          <Tooltip
            cursor={{ fill: "var(--mantine-color-default-hover)" }}
            content={({ active, payload }) => {
              const row = (payload?.[0] as { payload?: PlanRevenueRow } | undefined)?.payload;
              if (!active || !row) return null;
              return (
                <Paper withBorder shadow="sm" p="xs" radius="sm">
                  <Text size="xs" fw={600} mb={4}>
                    {row.plan}
                  </Text>
                  <Stack gap={2}>
                    {SERIES.map((s) => (
                      <Group key={s.key} gap={6} justify="space-between" wrap="nowrap">
                        <Group gap={6} wrap="nowrap">
                          <Swatch color={s.color} />
                          <Text size="xs">{s.label}</Text>
                        </Group>
                        <Text size="xs" ff="monospace">
                          {usd.format(row[s.key])}
                        </Text>
                      </Group>
                    ))}
                  </Stack>
                </Paper>
              );
            }}
          />
          {SERIES.map((s) => (
            <Bar key={s.key} dataKey={s.key} stackId="r" fill={s.color} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
      <Group gap="md" mt="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
        {SERIES.map((s) => (
          <Group key={s.key} gap={6} component="li" wrap="nowrap">
            <Swatch color={s.color} />
            <Text size="xs">{s.label}</Text>
          </Group>
        ))}
      </Group>
    </>
  );
}
