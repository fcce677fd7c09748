// Recharts lives only in this module, which the usage section loads with a dynamic import: nothing
// of it reaches the directory's first load. These components only render rows the hooks have
// shaped, and are memoised on them.
import { Group, Paper, Stack, Text } from "@mantine/core";
import { memo, useMemo, type ReactNode } from "react";
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
  type BaseTickContentProps,
} from "recharts";
import { formatNumber, formatUtcInstant } from "../../../lib/format";
import {
  BALANCE_COLOR,
  bucketTick,
  durationWords,
  PROJECTED_COLOR,
  REFILL_COLOR,
  SPENT_COLOR,
  type BurndownChart as BurndownChartData,
  type Drawing,
  type Series,
  type SpentChart as SpentChartData,
  type SpentRow,
  type TimeAxis,
  type VerificationChart as VerificationChartData,
  type VerificationRow,
} from "../shape";

const HEIGHT = 240;

/**
 * Axis labels as plain SVG text. Recharts' own <Text> measures every word of every label in the
 * DOM (to wrap them); these short labels never wrap, so that work is skipped.
 */
function renderAxisTick({
  x,
  y,
  payload,
  index,
  textAnchor,
  verticalAnchor,
  tickFormatter,
}: BaseTickContentProps) {
  const value: unknown = payload.value;
  const label = tickFormatter ? tickFormatter(value, index) : String(value);
  // The offsets Recharts' <Text> uses for these anchors.
  const dy = verticalAnchor === "start" ? "0.71em" : verticalAnchor === "middle" ? "0.355em" : 0;
  return (
    <text
      x={x}
      y={y}
      dy={dy}
      textAnchor={textAnchor}
      fill="var(--mantine-color-dimmed)"
      fontSize={11}
    >
      {label}
    </text>
  );
}

const GRID_STROKE = "var(--mantine-color-default-border)";
/** Bars read well up to about this many buckets; beyond it a stepped area is clearer. */
const MAX_BARS = 180;

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

// CartesianGrid works out vertical line positions from the x axis even with `vertical={false}`
// (measuring tick labels to do so); there are no vertical lines here, so it gets none.
const noVerticalLines = () => [];

/**
 * The bucket x axis: one category per bucket start, labelled only at the few round instants the
 * shaping chose (see `timeAxis`), so Recharts never measures thousands of labels.
 */
function timeXAxis(axis: TimeAxis) {
  return (
    <XAxis
      dataKey="t"
      ticks={axis.ticks}
      tickFormatter={(t: number) => bucketTick(t, axis.unit)}
      tick={renderAxisTick}
      minTickGap={16}
      tickLine={false}
    />
  );
}

/** A count axis: its ~5 ticks are all shown (`interval={0}`), so Recharts measures no labels. */
function countYAxis() {
  return (
    <YAxis
      tick={renderAxisTick}
      tickFormatter={(v: number) => compact.format(v)}
      width={48}
      allowDecimals={false}
      interval={0}
    />
  );
}

function horizontalGrid() {
  return (
    <CartesianGrid
      stroke={GRID_STROKE}
      strokeDasharray="3 3"
      vertical={false}
      verticalCoordinatesGenerator={noVerticalLines}
    />
  );
}

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

/** The drawn group a tooltip row belongs to (drawn rows are keyed by their start). */
function useGroupAt<R extends { t: number }, G>(drawn: Drawing<R, G>): Map<number, G> | null {
  return useMemo(
    () =>
      drawn.groups ? new Map(drawn.rows.map((r, i) => [r.t, drawn.groups![i]!] as const)) : null,
    [drawn],
  );
}

/**
 * A tooltip for a drawn group: per line, the busiest bucket (what is drawn) and the exact sum over
 * the group, so nothing the drawing leaves out is lost on hover.
 */
function GroupTooltip({
  title,
  peakLabel,
  bucketWord,
  stepWord,
  lines,
}: {
  title: string;
  peakLabel: string;
  bucketWord: string;
  stepWord: string;
  lines: { key: string; color: string; label: string; peak: number; sum: number }[];
}) {
  const cell = { padding: "1px 0 1px 12px", textAlign: "right", fontFamily: "monospace" } as const;
  return (
    <TooltipBox title={title}>
      <table style={{ borderCollapse: "collapse", fontSize: "var(--mantine-font-size-xs)" }}>
        <thead>
          <tr>
            <th />
            <th style={{ ...cell, fontFamily: undefined, fontWeight: 500 }}>
              busiest {bucketWord}
            </th>
            <th style={{ ...cell, fontFamily: undefined, fontWeight: 500 }}>all {stepWord}</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.key}>
              <td style={{ padding: "1px 0" }}>
                <Group gap={6} wrap="nowrap">
                  <Swatch color={l.color} />
                  {l.label}
                </Group>
              </td>
              <td style={cell}>{formatNumber(l.peak)}</td>
              <td style={cell}>{formatNumber(l.sum)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Text size="xs" c="dimmed">
        Drawn at the busiest {bucketWord}: {peakLabel}
      </Text>
    </TooltipBox>
  );
}

// Memoised on the shaped data: a URL change that leaves the data alone (another panel's filter, the
// placeholder while the next range loads) does not redraw the chart.
export const VerificationsChart = memo(function VerificationsChart({
  chart,
}: {
  chart: VerificationChartData;
}) {
  const { series, drawn } = chart;
  const groupAt = useGroupAt(drawn);
  const top = [...series].reverse();
  const tooltip = ({ active, payload }: TooltipArgs<VerificationRow>) => {
    const row = payload?.[0]?.payload;
    if (!active || !row) return null;
    const group = groupAt?.get(row.t);
    if (group)
      return (
        <GroupTooltip
          title={row.label}
          peakLabel={group.peakLabel}
          bucketWord={durationWords(drawn.stepMs / drawn.bucketsPerStep)}
          stepWord={durationWords((drawn.stepMs / drawn.bucketsPerStep) * group.buckets)}
          lines={[
            ...top.map((s) => ({
              key: s.key,
              color: s.color,
              label: s.label,
              peak: Number(group.peak[s.key] ?? 0),
              sum: group.sums[s.key] ?? 0,
            })),
            {
              key: "total",
              color: "transparent",
              label: "Total",
              peak: group.peak.total,
              sum: group.total,
            },
          ]}
        />
      );
    return (
      <TooltipBox title={row.label}>
        {top.map((s: Series) => (
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
      {horizontalGrid()}
      {timeXAxis(chart.axis)}
      {countYAxis()}
      <Tooltip content={tooltip} cursor={{ fill: "var(--mantine-color-default-hover)" }} />
    </>
  );
  return (
    <>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {drawn.rows.length <= MAX_BARS ? (
          <BarChart data={drawn.rows} accessibilityLayer={false} barCategoryGap={0}>
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
          <AreaChart data={drawn.rows} accessibilityLayer={false}>
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
                activeDot={false}
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
});

export const SpentChart = memo(function SpentChart({ chart }: { chart: SpentChartData }) {
  const { drawn } = chart;
  const groupAt = useGroupAt(drawn);
  const tooltip = ({ active, payload }: TooltipArgs<SpentRow>) => {
    const row = payload?.[0]?.payload;
    if (!active || !row) return null;
    const group = groupAt?.get(row.t);
    if (group)
      return (
        <GroupTooltip
          title={row.label}
          peakLabel={group.peakLabel}
          bucketWord={durationWords(drawn.stepMs / drawn.bucketsPerStep)}
          stepWord={durationWords((drawn.stepMs / drawn.bucketsPerStep) * group.buckets)}
          lines={[
            {
              key: "spent",
              color: SPENT_COLOR,
              label: "Credits spent",
              peak: group.peak,
              sum: group.sum,
            },
          ]}
        />
      );
    return (
      <TooltipBox title={row.label}>
        <TooltipLine color={SPENT_COLOR} label="Credits spent" value={formatNumber(row.spent)} />
      </TooltipBox>
    );
  };
  return (
    <>
      <ResponsiveContainer width="100%" height={HEIGHT}>
        {drawn.rows.length <= MAX_BARS ? (
          <BarChart data={drawn.rows} accessibilityLayer={false} barCategoryGap={0}>
            {horizontalGrid()}
            {timeXAxis(chart.axis)}
            {countYAxis()}
            <Tooltip content={tooltip} cursor={{ fill: "var(--mantine-color-default-hover)" }} />
            <Bar dataKey="spent" fill={SPENT_COLOR} isAnimationActive={false} />
          </BarChart>
        ) : (
          <AreaChart data={drawn.rows} accessibilityLayer={false}>
            {horizontalGrid()}
            {timeXAxis(chart.axis)}
            {countYAxis()}
            <Tooltip content={tooltip} />
            <Area
              dataKey="spent"
              type="stepAfter"
              stroke="none"
              fill={SPENT_COLOR}
              fillOpacity={0.9}
              isAnimationActive={false}
              activeDot={false}
            />
          </AreaChart>
        )}
      </ResponsiveContainer>
      <ChartLegend items={[{ key: "spent", label: "Credits spent", color: SPENT_COLOR }]} />
    </>
  );
});

export const BurndownChart = memo(function BurndownChart({ chart }: { chart: BurndownChartData }) {
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
          {horizontalGrid()}
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={chart.domain}
            ticks={chart.axis.ticks}
            tick={renderAxisTick}
            tickFormatter={(t: number) => bucketTick(t, chart.axis.unit)}
            minTickGap={16}
            tickLine={false}
          />
          <YAxis
            tick={renderAxisTick}
            tickFormatter={(v: number) => compact.format(v)}
            width={48}
            interval={0}
          />
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
});
