import {
  Alert,
  Group,
  NativeSelect,
  SegmentedControl,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDeferredValue, useEffect, useState } from "react";
import { useNow } from "../../../components/use-now";
import { formatForecast, formatNumber, formatUtcInstant } from "../../../lib/format";
import {
  BUCKET_CHOICES,
  BUCKET_LABELS,
  DEFAULT_RANGE,
  effectiveBucket,
  hourlyAllowed,
  MAX_BUCKETS,
  RANGE_LABELS,
  timeseriesRequest,
  USAGE_RANGES,
  type UsageSearch,
} from "../search";
import {
  drawingNote,
  durationWords,
  staleNote,
  type BurndownRow,
  type SpentRow,
  type VerificationRow,
} from "../shape";
import { useBurndown, useUsageTimeseries } from "../use-usage";
import { ChartCard, type TableColumn } from "./chart-card";
import { loadCharts, loadedCharts, type ChartsModule } from "../charts-loader";
import classes from "./usage-section.module.css";

// The charts chunk is fetched by the router with the page's code (charts-loader.ts), or at the
// latest when this section mounts. Not React.lazy: a lazy component suspends on its first render
// even when the chunk is already there, and React 19 then holds the reveal back for up to 300 ms
// (its Suspense fallback throttle), which was most of the "data received → chart painted" time.
/** The charts module once loaded; `failed` when its chunk could not be fetched. */
function useCharts(): { charts: ChartsModule | null; failed: boolean } {
  const [charts, setCharts] = useState(loadedCharts);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (charts) return;
    let live = true;
    loadCharts().then(
      (m) => live && setCharts(m),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [charts]);
  return { charts, failed };
}

export type UsageKeyOption = { keyId: string; name: string | null; start: string };

export function UsageSection({
  externalId,
  keys,
  search,
  onSearchChange,
}: {
  externalId: string;
  keys: UsageKeyOption[];
  search: UsageSearch;
  /** Merges the change into the page's URL search params (replace, not a new history entry). */
  onSearchChange: (patch: Partial<UsageSearch>) => void;
}) {
  const now = useNow();
  const { charts, failed } = useCharts();
  const chartFallback = failed ? (
    <Text size="sm" c="dimmed" role="status">
      The chart could not be loaded (network error). Reload the page to try again; the table below
      has the same data.
    </Text>
  ) : (
    <Skeleton height={240} />
  );
  const range = search.range ?? DEFAULT_RANGE;
  const keyId = keys.some((k) => k.keyId === search.key) ? search.key : undefined;
  const req = timeseriesRequest({ ...search, key: keyId }, now);
  const hourOk = hourlyAllowed(search, now);
  const bucketChoice = effectiveBucket(search, now);
  const ts = useUsageTimeseries(externalId, req.ok ? req.request : null);
  const burn = useBurndown(externalId, keyId);
  // The charts arrive together; the first (verifications) is drawn at once, the other two in the
  // render right after (React defers these values): the top chart appears ~a chart's render time
  // sooner, and nothing waits for all three.
  const spentChart = useDeferredValue(ts.spent);
  const burnChart = useDeferredValue(burn.chart);
  // "per hour", "per 6 hours" (30 days are drawn in 6-hour buckets), "per day".
  const bucketWord = ts.bucketMs ? durationWords(ts.bucketMs) : "bucket";
  const scope = keyId ? `key ${keys.find((k) => k.keyId === keyId)?.name ?? keyId}` : "all keys";
  const rangeText =
    range === "custom"
      ? `${search.from ?? "?"} to ${search.to ?? "?"} (UTC)`
      : `the last ${RANGE_LABELS[range]}`;

  const tsStatus = !req.ok ? "success" : ts.query.status;
  // What both timeseries cards (verifications, credits spent) take from the one request.
  const timeseriesCard = {
    status: tsStatus,
    error: ts.query.error,
    onRetry: () => void ts.query.refetch(),
    retrying: ts.query.isRefetching,
    dimmed: ts.query.isPlaceholderData,
  };

  const verificationColumns: TableColumn<VerificationRow>[] = [
    { key: "label", label: "Bucket (UTC)", cell: (r) => r.label },
    ...(ts.verifications?.series ?? []).map((s) => ({
      key: s.key,
      label: s.label,
      numeric: true,
      cell: (r: VerificationRow) => formatNumber(Number(r[s.key] ?? 0)),
    })),
    { key: "total", label: "Total", numeric: true, cell: (r) => formatNumber(r.total) },
  ];
  const spentColumns: TableColumn<SpentRow>[] = [
    { key: "label", label: "Bucket (UTC)", cell: (r) => r.label },
    { key: "spent", label: "Credits spent", numeric: true, cell: (r) => formatNumber(r.spent) },
  ];
  const burnColumns: TableColumn<BurndownRow>[] = [
    { key: "t", label: "Time (UTC)", cell: (r) => formatUtcInstant(r.t) },
    {
      key: "actual",
      label: "Balance (credits)",
      numeric: true,
      cell: (r) => (r.actual === null ? "—" : formatNumber(r.actual)),
    },
    {
      key: "projected",
      label: "Projected (credits)",
      numeric: true,
      cell: (r) => (r.projected === null ? "—" : formatNumber(r.projected)),
    },
  ];

  const forecastText = burn.forecast ? formatForecast(burn.forecast, burn.nextRefillAt, now) : null;
  const warn = burn.forecast?.kind === "runs_out" || burn.forecast?.kind === "exhausted";

  return (
    <section aria-labelledby="usage-heading">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
          <Title order={2} size="h4" id="usage-heading">
            Usage
          </Title>
          <Group gap="sm" align="flex-end" wrap="wrap">
            <div>
              <Text size="sm" fw={500} mb={4} id="usage-range-label">
                Range
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby="usage-range-label"
                value={range}
                onChange={(v) => {
                  const next = v;
                  onSearchChange(
                    next === "custom"
                      ? {
                          range: next,
                          from: search.from ?? isoDay(now - 29 * 86_400_000),
                          to: search.to ?? isoDay(now),
                        }
                      : {
                          range: next === DEFAULT_RANGE ? undefined : next,
                          from: undefined,
                          to: undefined,
                        },
                  );
                }}
                data={USAGE_RANGES.map((r) => ({ value: r, label: RANGE_LABELS[r] }))}
              />
            </div>
            <div>
              <Text size="sm" fw={500} mb={4} id="usage-bucket-label">
                Buckets
              </Text>
              <SegmentedControl
                size="xs"
                aria-labelledby="usage-bucket-label"
                value={bucketChoice}
                onChange={(v) =>
                  onSearchChange({ bucket: v === "hour" || v === "day" ? v : undefined })
                }
                data={BUCKET_CHOICES.map((b) => ({
                  value: b,
                  label: BUCKET_LABELS[b],
                  disabled: b === "hour" && !hourOk,
                }))}
                title={
                  hourOk
                    ? undefined
                    : `Hourly buckets need a range of ${MAX_BUCKETS / 24} days or less`
                }
              />
            </div>
            {range === "custom" && (
              <>
                <TextInput
                  type="date"
                  size="xs"
                  label="From (UTC)"
                  value={search.from ?? ""}
                  max={isoDay(now)}
                  onChange={(e) => onSearchChange({ from: e.currentTarget.value || undefined })}
                  error={!req.ok && req.field === "from" ? req.message : undefined}
                />
                <TextInput
                  type="date"
                  size="xs"
                  label="To (UTC)"
                  value={search.to ?? ""}
                  onChange={(e) => onSearchChange({ to: e.currentTarget.value || undefined })}
                  error={!req.ok && req.field === "to" ? req.message : undefined}
                />
              </>
            )}
            {keys.length > 1 && (
              <NativeSelect
                size="xs"
                label="Usage of"
                value={keyId ?? ""}
                onChange={(e) => onSearchChange({ key: e.currentTarget.value || undefined })}
                data={[
                  { value: "", label: "All keys" },
                  ...keys.map((k) => ({
                    value: k.keyId,
                    label: k.name ? `${k.name} (${k.start}…)` : `${k.start}…`,
                  })),
                ]}
              />
            )}
          </Group>
        </Group>
        {(ts.stale ?? burn.stale) && (
          <Alert color="yellow" variant="light" py={6} role="status">
            <Text size="sm">
              {staleNote((ts.stale ?? burn.stale)!.ageSeconds)}: the analytics query budget is
              running low, so this is the last answer Unkey gave.
            </Text>
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
          <ChartCard
            title="Verifications by outcome"
            description={`Key verifications per ${bucketWord} over ${rangeText}, ${scope}, stacked by outcome.`}
            summary={
              ts.verifications && ts.verifications.total > 0 ? (
                <Text size="sm">
                  {formatNumber(ts.verifications.total)} verifications
                  {ts.verifications.series
                    .filter((s) => s.key !== "VALID")
                    .map((s) => `, ${formatNumber(s.total)} ${s.label.toLowerCase()}`)
                    .join("")}
                </Text>
              ) : undefined
            }
            {...timeseriesCard}
            empty={!req.ok || !ts.verifications || ts.verifications.total === 0}
            emptyTitle={req.ok ? "No verifications in this range" : "Pick a valid range"}
            emptyText={
              req.ok
                ? "No key of this customer was verified in the chosen range. Try a longer range."
                : req.message
            }
            note={
              ts.verifications && ts.bucketMs
                ? drawingNote(ts.verifications.drawn, ts.verifications.rows.length, ts.bucketMs)
                : null
            }
            rows={ts.verifications?.rows ?? []}
            columns={verificationColumns}
            rowKey={(r) => r.t}
          >
            {ts.verifications &&
              (charts ? <charts.VerificationsChart chart={ts.verifications} /> : chartFallback)}
          </ChartCard>
          <ChartCard
            title="Credits spent"
            description={`Credits spent per ${bucketWord} over ${rangeText}, ${scope}.`}
            summary={
              ts.spent && ts.spent.total > 0 ? (
                <Text size="sm">{formatNumber(ts.spent.total)} credits spent</Text>
              ) : undefined
            }
            {...timeseriesCard}
            empty={!req.ok || !ts.spent || ts.spent.total === 0}
            emptyTitle={req.ok ? "No credits spent in this range" : "Pick a valid range"}
            emptyText={
              req.ok
                ? "Verifications that cost credits show here. Nothing was spent in the chosen range."
                : req.message
            }
            note={
              ts.spent && ts.bucketMs
                ? drawingNote(ts.spent.drawn, ts.spent.rows.length, ts.bucketMs)
                : null
            }
            rows={ts.spent?.rows ?? []}
            columns={spentColumns}
            rowKey={(r) => r.t}
          >
            {ts.spent &&
              (charts && spentChart ? <charts.SpentChart chart={spentChart} /> : chartFallback)}
          </ChartCard>
        </SimpleGrid>
        <ChartCard
          title="Credit burn-down"
          description={`Credit balance of ${scope} since the last refill, and the projection at the current burn rate until the next refill.`}
          summary={
            forecastText ? (
              <Text size="sm" fw={600} className={warn ? classes.warn : undefined}>
                {forecastText}
              </Text>
            ) : undefined
          }
          status={burn.query.status}
          error={burn.query.error}
          onRetry={() => void burn.query.refetch()}
          retrying={burn.query.isRefetching}
          empty={!burn.chart || burn.chart.empty}
          emptyTitle={
            burn.forecast?.kind === "unlimited" ? "Unlimited credits" : "No balance history"
          }
          emptyText={
            burn.forecast?.kind === "unlimited"
              ? "These keys have no credit limit, so there is nothing to burn down."
              : "No balance was recorded since the last refill."
          }
          dimmed={burn.query.isPlaceholderData}
          rows={burn.chart?.rows ?? []}
          columns={burnColumns}
          rowKey={(r) => r.t}
        >
          {burn.chart &&
            (charts && burnChart ? <charts.BurndownChart chart={burnChart} /> : chartFallback)}
        </ChartCard>
      </Stack>
    </section>
  );
}

function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
