// Recharts lives only in this module, which the usage section loads with React.lazy: nothing of it
// reaches the directory's first load. These components only render rows the hooks have shaped.
import { Group, Paper, Stack, Text } from "@mantine/core";
import type { ReactNode } from "react";
import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatNumber, formatUtcInstant } from "../../../lib/format";
import {
  BALANCE_COLOR,
  PROJECTED_COLOR,
  REFILL_COLOR,
  SPENT_COLOR,
  type BurndownChart as BurndownChartData,
  type Series,
  type SpentRow,
  type VerificationChart as VerificationChartData,
} from "../shape";

const HEIGHT = 240;
const AXIS_TICK = { fill: "var(--mantine-color-dimmed)", fontSize: 11 };
const GRID_STROKE = "var(--mantine-color-default-border)";
/** Bars read well up to about this many buckets; beyond it a stepped area is clearer. */
const MAX_BARS = 180;

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

function TooltipBox({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder shadow="sm" p="xs" radius="sm" style={{ pointerEvents: "none" }}>
      <Text size="xs" fw={600} mb={4}>
        {title}
      </Text>
      <Stack gap={2}>{children}</Stack>
    </Paper>
  );
}

function TooltipLine({ color, label, value }: { color: string; label: string; value: string }) {
  return (
    <Group gap={6} wrap="nowrap" justify="space-between">
      <Group gap={6} wrap="nowrap">
        <Swatch color={color} />
        <Text size="xs">{label}</Text>
      </Group>
      <Text size="xs" ff="monospace">
        {value}
      </Text>
    </Group>
  );
}

function Swatch({ color, dashed = false }: { color: string; dashed?: boolean }) {
  return (
    <span
      aria-hidden="true"
      style={{
        display: "inline-block",
        width: 12,
        height: dashed ? 0 : 12,
        borderRadius: 2,
        background: dashed ? "none" : color,
        borderTop: dashed ? `2px dashed ${color}` : undefined,
        flex: "none",
      }}
    />
  );
}

/** The legend, in the page's own text (so it follows the colour scheme and zooms with it). */
export function ChartLegend({
  items,
}: {
  items: { key: string; label: string; color: string; dashed?: boolean; value?: string }[];
}) {
  return (
    <Group gap="md" mt="xs" component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
      {items.map((item) => (
        <Group key={item.key} gap={6} component="li" wrap="nowrap">
          <Swatch color={item.color} dashed={item.dashed} />
          <Text size="xs">
            {item.label}
            {item.value !== undefined && (
              <Text span size="xs" c="dimmed">
                {" "}
                {item.value}
              </Text>
            )}
          </Text>
        </Group>
      ))}
    </Group>
  );
}

type TooltipArgs<R> = { active?: boolean; payload?: readonly { payload?: R }[] };

export function VerificationsChart({ chart }: { chart: VerificationChartData }) {
  const { rows, series } = chart;
  const tooltip = ({ active, payload }: TooltipArgs<(typeof rows)[number]>) => {
    const row = payload?.[0]?.payload;
    if (!active || !row) return null;
    return (
      <TooltipBox title={row.label}>
        {[...series].reverse().map((s: Series) => (
          <TooltipLine
            key={s.key}
            color={s.color}
            label={s.label}
            value={formatNumber(Number(row[s.key] ?? 0))}
          />
        ))}
        <TooltipLine color="transparent" label="Total" value={formatNumber(row.total)} />
      </TooltipBox>
    );
  };
  const common = (
    <>
      <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="tick" tick={AXIS_TICK} minTickGap={24} tickLine={false} />
      <YAxis
        tick={AXIS_TICK}
        tickFormatter={(v: number) => compact.format(v)}
        width={48}
        allowDecimals={false}
      />
      <Tooltip content={tooltip} cursor={{ fill: "var(--mantine-color-default-hover)" }} />
    </>
  );
  return (
    <>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {rows.length <= MAX_BARS ? (
          <BarChart data={rows} accessibilityLayer={false} barCategoryGap={0}>
            {common}
            {series.map((s) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                stackId="v"
                fill={s.color}
                isAnimationActive={false}
              />
            ))}
          </BarChart>
        ) : (
          <AreaChart data={rows} accessibilityLayer={false}>
            {common}
            {series.map((s) => (
              <Area
                key={s.key}
                dataKey={s.key}
                stackId="v"
                type="stepAfter"
                stroke="none"
                fill={s.color}
                fillOpacity={0.9}
                isAnimationActive={false}
              />
            ))}
          </AreaChart>
        )}
      </ResponsiveContainer>
      <ChartLegend
        items={series.map((s) => ({
          key: s.key,
          label: s.label,
          color: s.color,
          value: formatNumber(s.total),
        }))}
      />
    </>
  );
}

export function SpentChart({ rows }: { rows: SpentRow[] }) {
  const tooltip = ({ active, payload }: TooltipArgs<SpentRow>) => {
    const row = payload?.[0]?.payload;
    if (!active || !row) return null;
    return (
      <TooltipBox title={row.label}>
        <TooltipLine color={SPENT_COLOR} label="Credits spent" value={formatNumber(row.spent)} />
      </TooltipBox>
    );
  };
  return (
    <>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {rows.length <= MAX_BARS ? (
          <BarChart data={rows} accessibilityLayer={false} barCategoryGap={0}>
            <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="tick" tick={AXIS_TICK} minTickGap={24} tickLine={false} />
            <YAxis tick={AXIS_TICK} tickFormatter={(v: number) => compact.format(v)} width={48} />
            <Tooltip content={tooltip} cursor={{ fill: "var(--mantine-color-default-hover)" }} />
            <Bar dataKey="spent" fill={SPENT_COLOR} isAnimationActive={false} />
          </BarChart>
        ) : (
          <AreaChart data={rows} accessibilityLayer={false}>
            <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="tick" tick={AXIS_TICK} minTickGap={24} tickLine={false} />
            <YAxis tick={AXIS_TICK} tickFormatter={(v: number) => compact.format(v)} width={48} />
            <Tooltip content={tooltip} />
            <Area
              dataKey="spent"
              type="stepAfter"
              stroke="none"
              fill={SPENT_COLOR}
              fillOpacity={0.9}
              isAnimationActive={false}
            />
          </AreaChart>
        )}
      </ResponsiveContainer>
      <ChartLegend items={[{ key: "spent", label: "Credits spent", color: SPENT_COLOR }]} />
    </>
  );
}

const shortInstant = (t: number) => {
  const s = formatUtcInstant(t); // "2026-11-27 14:00 UTC"
  return s.slice(5, 16);
};

export function BurndownChart({ chart }: { chart: BurndownChartData }) {
  type Row = BurndownChartData["rows"][number];
  const tooltip = ({ active, payload }: TooltipArgs<Row>) => {
    const row = payload?.[0]?.payload;
    if (!active || !row) return null;
    return (
      <TooltipBox title={formatUtcInstant(row.t)}>
        {row.actual !== null && (
          <TooltipLine color={BALANCE_COLOR} label="Balance" value={formatNumber(row.actual)} />
        )}
        {row.projected !== null && row.actual === null && (
          <TooltipLine
            color={PROJECTED_COLOR}
            label="Projected"
            value={formatNumber(row.projected)}
          />
        )}
      </TooltipBox>
    );
  };
  return (
    <>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        <ComposedChart data={chart.rows} accessibilityLayer={false} margin={{ top: 16, right: 16 }}>
          <CartesianGrid stroke={GRID_STROKE} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={chart.domain}
            tick={AXIS_TICK}
            tickFormatter={shortInstant}
            minTickGap={32}
            tickLine={false}
          />
          <YAxis tick={AXIS_TICK} tickFormatter={(v: number) => compact.format(v)} width={48} />
          <Tooltip content={tooltip} />
          {chart.markers.map((m) => (
            <ReferenceLine
              key={`${m.kind}-${m.t}`}
              x={m.t}
              stroke="var(--mantine-color-grape-5)"
              strokeDasharray="2 3"
              label={{
                value: m.label,
                position: "insideTopLeft",
                fill: "var(--mantine-color-text)",
                fontSize: 11,
              }}
            />
          ))}
          {chart.refillAt !== null && (
            <ReferenceLine
              x={chart.refillAt}
              stroke={REFILL_COLOR}
              strokeWidth={2}
              label={{
                value: "Next refill",
                position: "insideTopRight",
                fill: "var(--mantine-color-text)",
                fontSize: 11,
              }}
            />
          )}
          <Line
            dataKey="actual"
            stroke={BALANCE_COLOR}
            strokeWidth={2}
            dot={false}
            connectNulls={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="projected"
            stroke={PROJECTED_COLOR}
            strokeWidth={2}
            strokeDasharray="6 4"
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
      <ChartLegend
        items={[
          { key: "actual", label: "Balance", color: BALANCE_COLOR },
          {
            key: "projected",
            label: "Projected at the current burn rate",
            color: PROJECTED_COLOR,
            dashed: true,
          },
          ...(chart.refillAt !== null
            ? [{ key: "refill", label: "Next refill", color: REFILL_COLOR }]
            : []),
          ...(chart.markers.length > 0
            ? [
                {
                  key: "markers",
                  label: "Grants and plan changes",
                  color: "var(--mantine-color-grape-5)",
                  dashed: true,
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
