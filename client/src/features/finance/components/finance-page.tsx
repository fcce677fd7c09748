import {
  Alert,
  Group,
  NativeSelect,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { lazy, Suspense, useMemo, type ReactNode } from "react";
import { AnchorLink } from "../../../components/anchor-link";
import { ErrorState } from "../../../components/error-state";
import { UtcInstant } from "../../../components/utc-instant";
import { useNow } from "../../../components/use-now";
import type { RouterOutputs } from "../../../lib/api-types";
import { errorCode } from "../../../lib/errors";
import {
  formatBurnRate,
  formatCredits,
  formatMinorUnitsDecimal,
  formatMoney,
  formatNumber,
  formatUtcInstant,
} from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { currentMonth, formatChange, monthLabel, monthOptions, shiftMonth } from "../search";
import { toPlanRevenueRows } from "../shape";
import { DataTable, type Column } from "./data-table";

const RevenueChart = lazy(() =>
  import("./revenue-chart").then((m) => ({ default: m.RevenueChart })),
);

type Summary = RouterOutputs["finance"]["summary"];
type PlanRow = Summary["byPlan"][number];
type CustomerRow = Summary["topByUsage"][number];
type AtRiskRow = RouterOutputs["finance"]["atRisk"]["exhausted"][number];

const route = getRouteApi("/_app/finance");
const dollars = (cents: number) => Math.round(cents) / 100;
const usd = (cents: number) => formatMoney(cents, "usd");

/** A count column: formatted on screen, the plain integer in CSV. */
function countColumn<T>(key: string, label: string, get: (r: T) => number): Column<T> {
  return { key, label, numeric: true, render: (r) => formatNumber(get(r)), csv: get };
}
/** A money column from integer cents: "$1,234.50" on screen, 1234.5 in CSV. */
function usdColumn<T>(key: string, label: string, get: (r: T) => number): Column<T> {
  return { key, label, numeric: true, render: (r) => usd(get(r)), csv: (r) => dollars(get(r)) };
}
/** The customer's name linking to their page. */
function customerColumn<T extends { externalId: string; name: string | null }>(): Column<T> {
  return {
    key: "customer",
    label: "Customer",
    render: (r) => (
      <AnchorLink to="/customers/$externalId" params={{ externalId: r.externalId }} size="sm">
        {r.name ?? r.externalId}
      </AnchorLink>
    ),
    csv: (r) => r.name ?? r.externalId,
  };
}
function planColumn<T extends { plan: string | null }>(): Column<T> {
  return { key: "plan", label: "Plan", render: (r) => r.plan ?? "—", csv: (r) => r.plan };
}

export function FinancePage() {
  const trpc = useTRPC();
  const now = useNow(60_000);
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const thisMonth = currentMonth(now);
  const month = search.month ?? thisMonth;
  const summary = useQuery({
    ...trpc.finance.summary.queryOptions({ month }),
    staleTime: 60_000,
  });
  const options = monthOptions(now);
  if (!options.includes(month)) options.push(month);

  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Finance</Title>
          <Text size="sm" c="dimmed">
            Usage, overage and plan revenue for {monthLabel(month)} (UTC), compared with{" "}
            {monthLabel(shiftMonth(month, -1))}.
          </Text>
        </div>
        <NativeSelect
          label="Month"
          size="sm"
          w={200}
          value={month}
          onChange={(e) => {
            const value = e.currentTarget.value;
            void navigate({
              search: { month: value === thisMonth ? undefined : value },
              replace: true,
            });
          }}
          data={options.map((m) => ({ value: m, label: monthLabel(m) }))}
        />
      </Group>

      {summary.isPending ? (
        <Stack gap="md" aria-busy="true" role="status" aria-label="Loading the finance summary">
          <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
            {Array.from({ length: 5 }, (_, i) => (
              <Skeleton key={i} height={88} />
            ))}
          </SimpleGrid>
          <Skeleton height={200} />
        </Stack>
      ) : summary.isError ? (
        <ErrorState
          title={
            errorCode(summary.error) === "FORBIDDEN"
              ? "The finance summary is for finance staff and admins"
              : "Could not load the finance summary"
          }
          error={summary.error}
          onRetry={
            errorCode(summary.error) === "FORBIDDEN" ? undefined : () => void summary.refetch()
          }
          retrying={summary.isRefetching}
        />
      ) : (
        <SummaryView data={summary.data} month={month} />
      )}

      <AtRiskSection />
    </Stack>
  );
}

function SummaryView({ data, month }: { data: Summary; month: string }) {
  const { totals, change } = data;
  const prev = monthLabel(shiftMonth(month, -1));
  const planColumns: Column<PlanRow>[] = [
    {
      key: "plan",
      label: "Plan",
      render: (r) => (
        <Text size="sm" fw={500} style={{ whiteSpace: "nowrap" }}>
          {r.planName}
        </Text>
      ),
      csv: (r) => r.planName,
    },
    countColumn("customers", "Customers", (r) => r.customers),
    countColumn("subs", "Active subscriptions", (r) => r.activeSubscriptions),
    countColumn("verifications", "Verifications", (r) => r.verifications),
    countColumn("spent", "Credits spent", (r) => r.creditsSpent),
    {
      key: "overageUnits",
      label: "Overage units",
      numeric: true,
      render: (r) => (
        <>
          {formatNumber(r.overageUnits)}
          {r.overageUnitPriceDecimal !== null && (
            <Text span size="xs" c="dimmed">
              {" "}
              × {formatMinorUnitsDecimal(r.overageUnitPriceDecimal, "usd")}
            </Text>
          )}
        </>
      ),
      csv: (r) => r.overageUnits,
    },
    usdColumn("overageRevenue", "Overage revenue (USD)", (r) => r.overageRevenueCents),
    {
      key: "planRevenue",
      label: "Plan revenue (USD)",
      numeric: true,
      render: (r) => (
        <>
          {usd(r.planRevenueCents)}
          {r.basePriceCents !== null && (
            <Text span size="xs" c="dimmed" display="block">
              {usd(r.basePriceCents)} / month each
            </Text>
          )}
        </>
      ),
      csv: (r) => dollars(r.planRevenueCents),
    },
  ];
  const customerColumns: Column<CustomerRow>[] = [
    customerColumn(),
    {
      key: "externalId",
      label: "External id",
      render: (r) => (
        <Text size="sm" ff="monospace">
          {r.externalId}
        </Text>
      ),
      csv: (r) => r.externalId,
    },
    planColumn(),
    countColumn("verifications", "Verifications", (r) => r.verifications),
    countColumn("spent", "Credits spent", (r) => r.creditsSpent),
    countColumn("overageUnits", "Overage units", (r) => r.overageUnits),
    usdColumn("overageRevenue", "Overage revenue (USD)", (r) => r.overageRevenueCents),
  ];
  const cov = data.overageCoverage;
  return (
    <Stack gap="lg">
      {data.stale ? (
        <Alert color="yellow" variant="light" py={6} role="status">
          <Text size="sm">
            Usage figures are from {Math.max(1, Math.round(data.stale.ageSeconds / 60))} min ago;
            fresher ones are being fetched from Unkey. Reload in a minute to see them.
          </Text>
        </Alert>
      ) : (
        <Text size="xs" c="dimmed">
          Usage as of {formatUtcInstant(data.usageAsOf)} from Unkey analytics (refetched every few
          minutes); revenue from Stripe.
        </Text>
      )}
      <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="md" component="dl" m={0}>
        <Stat
          label="Verifications"
          value={formatNumber(totals.verifications)}
          unit="calls"
          change={formatChange(change.verifications.percent, change.verifications.delta)}
          changeTitle={`${formatNumber(change.verifications.previous)} in ${prev}`}
          note={`${formatNumber(totals.validVerifications)} valid`}
        />
        <Stat
          label="Credits spent"
          value={formatNumber(totals.creditsSpent)}
          unit="credits"
          change={formatChange(change.creditsSpent.percent, change.creditsSpent.delta)}
          changeTitle={`${formatNumber(change.creditsSpent.previous)} in ${prev}`}
          note={`${formatNumber(totals.customersWithUsage)} customers with usage`}
        />
        <Stat label="Overage units" value={formatNumber(totals.overageUnits)} unit="units" />
        <Stat
          label="Overage revenue"
          value={usd(totals.overageRevenueCents)}
          note={
            cov.capped || cov.failed > 0
              ? `From ${formatNumber(cov.fetched)} of ${formatNumber(cov.candidates)} customers`
              : undefined
          }
        />
        <Stat
          label="Plan revenue"
          value={usd(totals.planRevenueCents)}
          note={`${formatNumber(totals.activeSubscriptions)} active subscriptions`}
        />
      </SimpleGrid>
      <RevenueByPlan data={data} month={month} />
      <DataTable
        id="by-plan"
        title="By plan"
        description="Plan revenue is active subscriptions × the plan's base price; overage revenue is metered units × the metered price."
        columns={planColumns}
        rows={data.byPlan}
        rowKey={(r) => r.plan}
        csvSuffix={month}
        emptyTitle="No plans"
        emptyText="No plan had customers in this month."
      />
      <SimpleGrid cols={{ base: 1, xl: 2 }} spacing="lg">
        <DataTable
          id="top-usage"
          title="Top customers by usage"
          description="Most credits spent this month."
          columns={customerColumns}
          rows={data.topByUsage}
          rowKey={(r) => r.externalId}
          csvSuffix={month}
          emptyTitle="No usage"
          emptyText="No customer verified a key in this month."
        />
        <DataTable
          id="top-overage"
          title="Top customers by overage"
          description="Most overage units billed this month."
          columns={customerColumns}
          rows={data.topByOverage}
          rowKey={(r) => r.externalId}
          csvSuffix={month}
          emptyTitle="No overage"
          emptyText="No customer went over their plan's credits in this month."
        />
      </SimpleGrid>
    </Stack>
  );
}

function RevenueByPlan({ data, month }: { data: Summary; month: string }) {
  const rows = useMemo(() => toPlanRevenueRows(data.byPlan), [data.byPlan]);
  const total = data.totals.planRevenueCents + data.totals.overageRevenueCents;
  return (
    <Paper withBorder p="md" radius="sm" component="section" aria-labelledby="revenue-heading">
      <Title order={2} size="h4" id="revenue-heading">
        Revenue by plan
      </Title>
      <Text size="xs" c="dimmed" id="revenue-desc" mb="xs">
        Plan and overage revenue per plan in {monthLabel(month)}, {usd(total)} in all. The same
        figures are in the “By plan” table below.
      </Text>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          No revenue in this month.
        </Text>
      ) : (
        <div role="img" aria-label="Revenue by plan" aria-describedby="revenue-desc">
          <Suspense fallback={<Skeleton height={160} />}>
            <RevenueChart rows={rows} />
          </Suspense>
        </div>
      )}
    </Paper>
  );
}

function Stat({
  label,
  value,
  unit,
  change,
  changeTitle,
  note,
}: {
  label: string;
  value: string;
  unit?: string;
  change?: string;
  changeTitle?: string;
  note?: string;
}) {
  return (
    <Paper withBorder p="md" radius="sm">
      <Text component="dt" size="xs" c="dimmed" fw={500}>
        {label}
      </Text>
      <Text component="dd" m={0} size="xl" fw={650} style={{ fontVariantNumeric: "tabular-nums" }}>
        {value}
        {unit && (
          <Text span size="sm" c="dimmed" fw={400}>
            {" "}
            {unit}
          </Text>
        )}
      </Text>
      {change && (
        <Text component="dd" m={0} size="xs" title={changeTitle}>
          {change}{" "}
          <Text span size="xs" c="dimmed">
            vs last month
          </Text>
        </Text>
      )}
      {note && (
        <Text component="dd" m={0} size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Paper>
  );
}

function AtRiskSection() {
  const trpc = useTRPC();
  const query = useQuery({ ...trpc.finance.atRisk.queryOptions(), staleTime: 60_000 });
  const columns: Column<AtRiskRow>[] = [
    customerColumn(),
    planColumn(),
    {
      key: "remaining",
      label: "Credits left",
      numeric: true,
      render: (r) => formatCredits(r.creditsRemaining),
      csv: (r) => r.creditsRemaining,
    },
    {
      key: "burn",
      label: "Burn rate",
      numeric: true,
      render: (r) => formatBurnRate(r.burnPerHour),
      csv: (r) => r.burnPerHour,
    },
    {
      key: "forecast",
      label: "Runs out",
      render: (r) =>
        r.status === "exhausted" ? (
          "Exhausted"
        ) : r.forecastAt ? (
          <UtcInstant value={r.forecastAt} />
        ) : (
          "—"
        ),
      csv: (r) => (r.status === "exhausted" ? "exhausted" : r.forecastAt),
    },
    {
      key: "refill",
      label: "Next refill",
      render: (r) => (r.nextRefillAt ? <UtcInstant value={r.nextRefillAt} /> : "None"),
      csv: (r) => r.nextRefillAt,
    },
  ];
  return (
    <Stack gap="lg">
      {query.isPending ? (
        <Skeleton height={160} role="status" aria-label="Loading customers at risk" />
      ) : query.isError ? (
        <ErrorState
          title={
            errorCode(query.error) === "FORBIDDEN"
              ? "Customers at risk are for finance staff, account managers and admins"
              : "Could not load customers at risk"
          }
          error={query.error}
          onRetry={errorCode(query.error) === "FORBIDDEN" ? undefined : () => void query.refetch()}
          retrying={query.isRefetching}
        />
      ) : (
        <>
          <DataTable
            id="near-exhaustion"
            title="Near exhaustion"
            description={
              <>
                Forecast to run out before their next refill, soonest first.
                <SyncedAt at={query.data.syncedAt} />
              </>
            }
            columns={columns}
            rows={query.data.nearExhaustion}
            rowKey={(r) => r.externalId}
            csvSuffix="now"
            emptyTitle="Nobody is about to run out"
            emptyText="No customer is forecast to run out before their next refill."
          />
          <DataTable
            id="exhausted"
            title="Exhausted now"
            description={
              <>
                Out of credits until their next refill.
                <SyncedAt at={query.data.syncedAt} />
              </>
            }
            columns={columns}
            rows={query.data.exhausted}
            rowKey={(r) => r.externalId}
            csvSuffix="now"
            emptyTitle="Nobody is exhausted"
            emptyText="Every customer with limited credits has some left."
          />
        </>
      )}
    </Stack>
  );
}

function SyncedAt({ at }: { at: string | null }): ReactNode {
  if (!at) return null;
  return <> As of the directory sync at {at.slice(0, 16).replace("T", " ")} UTC.</>;
}
