import {
  Alert,
  Badge,
  Button,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from "@mantine/core";
import { useQuery, type UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { IconAlert } from "../../../components/icons";
import type {
  BillingSubscription,
  BillingUsage,
  SubscriptionItem,
  UpcomingInvoice,
} from "../../../lib/api-types";
import { errorMessage } from "../../../lib/errors";
import {
  formatMinorUnitsDecimal,
  formatMoney,
  formatNumber,
  formatUnitPrice,
  formatUtcInstant,
} from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

/**
 * Stripe's view of the customer in three panels, one query each: a Stripe read that fails degrades
 * only its own panel (message and retry), never the page or the other two.
 */
export function StripePanels({ externalId }: { externalId: string }) {
  const trpc = useTRPC();
  const subscription = useQuery(trpc.billing.subscription.queryOptions({ externalId }));
  const usage = useQuery(trpc.billing.usage.queryOptions({ externalId }));
  const invoice = useQuery(trpc.billing.upcomingInvoice.queryOptions({ externalId }));
  return (
    <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md">
      <Panel title="Subscription" id="stripe-subscription" query={subscription}>
        {(data) => <SubscriptionBody data={data} />}
      </Panel>
      <Panel title="This period's usage" id="stripe-usage" query={usage}>
        {(data) =>
          data ? (
            <UsageBody data={data} currency={currencyOf(subscription.data)} />
          ) : (
            <Empty>No subscription, so no metered usage to show.</Empty>
          )
        }
      </Panel>
      <Panel title="Upcoming invoice" id="stripe-invoice" query={invoice}>
        {(data) =>
          data ? <InvoiceBody data={data} /> : <Empty>No upcoming invoice: no subscription.</Empty>
        }
      </Panel>
    </SimpleGrid>
  );
}

function currencyOf(data: BillingSubscription | undefined): string {
  return data?.subscription?.items[0]?.currency ?? "usd";
}

function Panel<T>({
  title,
  id,
  query,
  children,
}: {
  title: string;
  id: string;
  query: UseQueryResult<T, unknown>;
  children: (data: T) => ReactNode;
}) {
  const headingId = `${id}-heading`;
  return (
    <Paper
      withBorder
      p="md"
      radius="sm"
      component="section"
      aria-labelledby={headingId}
      aria-busy={query.isPending || undefined}
    >
      <Title order={3} size="h5" id={headingId} mb="sm">
        {title}
      </Title>
      {query.isPending ? (
        <Stack gap={8}>
          <Skeleton height={14} width="70%" />
          <Skeleton height={14} width="50%" />
          <Skeleton height={40} />
        </Stack>
      ) : query.isError ? (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlert />}
          title={`Could not load ${title.toLowerCase()}`}
          role="alert"
        >
          <Text size="sm">{errorMessage(query.error)}</Text>
          <Button
            mt="xs"
            size="xs"
            variant="default"
            onClick={() => void query.refetch()}
            loading={query.isFetching}
          >
            Retry
          </Button>
        </Alert>
      ) : (
        children(query.data)
      )}
    </Paper>
  );
}

function Empty({ children }: { children: ReactNode }) {
  return (
    <Text size="sm" c="dimmed">
      {children}
    </Text>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" gap="sm" wrap="nowrap" align="baseline">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="sm" ta="right" style={{ fontVariantNumeric: "tabular-nums" }}>
        {children}
      </Text>
    </Group>
  );
}

const STATUS_COLORS: Record<string, string> = {
  active: "teal",
  trialing: "blue",
  past_due: "orange",
  unpaid: "red",
  canceled: "gray",
  incomplete: "orange",
  incomplete_expired: "gray",
  paused: "gray",
};

export function SubscriptionStatusBadge({ status }: { status: string }) {
  return (
    <Badge variant="light" color={STATUS_COLORS[status] ?? "gray"} tt="none" size="sm">
      {status.replace(/_/g, " ")}
    </Badge>
  );
}

function period(start: string, end: string): string {
  return `${formatUtcInstant(start).slice(0, 10)} → ${formatUtcInstant(end).slice(0, 10)}`;
}

function SubscriptionBody({ data }: { data: BillingSubscription }) {
  if (!data.stripeCustomerId) return <Empty>Not linked to a Stripe customer.</Empty>;
  if (!data.subscription) return <Empty>The Stripe customer has no active subscription.</Empty>;
  const { subscription } = data;
  const first = subscription.items[0];
  return (
    <Stack gap="xs">
      <Row label="Status">
        <SubscriptionStatusBadge status={subscription.status} />
      </Row>
      {first && (
        <Row label="Current period">{period(first.currentPeriodStart, first.currentPeriodEnd)}</Row>
      )}
      <Text size="xs" c="dimmed" ff="monospace">
        {subscription.id}
      </Text>
      {subscription.items.length === 0 ? (
        <Empty>No items.</Empty>
      ) : (
        <Table withTableBorder fz="sm" aria-label="Subscription items">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Item</Table.Th>
              <Table.Th scope="col" ta="right">
                Price
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {subscription.items.map((item) => (
              <ItemRow key={item.id} item={item} />
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function ItemRow({ item }: { item: SubscriptionItem }) {
  const unit = formatUnitPrice(item, item.currency);
  const per =
    item.usageType === "metered" ? "per unit" : item.interval ? `per ${item.interval}` : "";
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {item.productName ?? item.nickname ?? item.lookupKey ?? item.priceId}
        </Text>
        <Text size="xs" c="dimmed">
          {item.usageType === "metered" ? "Metered" : "Licensed"}
          {item.quantity !== null && item.usageType === "licensed"
            ? ` · qty ${formatNumber(item.quantity)}`
            : ""}
          {item.lookupKey ? ` · ${item.lookupKey}` : ""}
        </Text>
      </Table.Td>
      <Table.Td ta="right" style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}>
        {unit ?? "—"}
        {unit && per && (
          <Text span size="xs" c="dimmed">
            {" "}
            {per}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}

function UsageBody({ data, currency }: { data: BillingUsage; currency: string }) {
  const unitPrice =
    data.unitPriceDecimal !== null
      ? formatMinorUnitsDecimal(data.unitPriceDecimal, currency)
      : null;
  // The period's days so far, most recent last; days still ahead have nothing to show.
  const today = new Date().toISOString().slice(0, 10);
  const days = data.daily.filter((d) => d.date <= today).slice(-7);
  const max = Math.max(1, ...days.map((d) => d.units));
  return (
    <Stack gap="xs">
      <Row label="Period">{period(data.periodStart, data.periodEnd)}</Row>
      <Row label="Meter">{data.meter?.displayName ?? "None"}</Row>
      <Text size="lg" fw={650} style={{ fontVariantNumeric: "tabular-nums" }}>
        {formatNumber(data.units)} units
        {unitPrice && (
          <Text span size="sm" c="dimmed" fw={400}>
            {" "}
            × {unitPrice}
          </Text>
        )}
        {data.amount !== null && (
          <Text span size="lg" fw={650}>
            {" "}
            = {formatMoney(data.amount, currency)}
          </Text>
        )}
      </Text>
      {days.length > 0 ? (
        <Table fz="xs" aria-label="Units per day" verticalSpacing={2}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Day (UTC)</Table.Th>
              <Table.Th scope="col" ta="right">
                Units
              </Table.Th>
              <Table.Th scope="col" w="40%">
                <VisuallyHidden>Share of the busiest day</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {days.map((d) => (
              <Table.Tr key={d.date}>
                <Table.Td ff="monospace">{d.date}</Table.Td>
                <Table.Td ta="right" style={{ fontVariantNumeric: "tabular-nums" }}>
                  {formatNumber(d.units)}
                </Table.Td>
                <Table.Td>
                  <div
                    aria-hidden="true"
                    style={{
                      height: 6,
                      width: `${(d.units / max) * 100}%`,
                      minWidth: d.units > 0 ? 2 : 0,
                      borderRadius: 3,
                      background: "var(--mantine-primary-color-filled)",
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Empty>No usage reported this period.</Empty>
      )}
    </Stack>
  );
}

function InvoiceBody({ data }: { data: UpcomingInvoice }) {
  return (
    <Stack gap="xs">
      <Row label="Period">{period(data.periodStart, data.periodEnd)}</Row>
      <Row label="Total">{formatMoney(data.total, data.currency)}</Row>
      <Group justify="space-between" wrap="nowrap" align="baseline">
        <Text size="sm" fw={600}>
          Amount due
        </Text>
        <Text size="lg" fw={650} style={{ fontVariantNumeric: "tabular-nums" }}>
          {formatMoney(data.amountDue, data.currency)}
        </Text>
      </Group>
      {data.lines.length > 0 && (
        <Table fz="xs" aria-label="Invoice lines" verticalSpacing={4}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Line</Table.Th>
              <Table.Th scope="col" ta="right">
                Amount
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.lines.map((line, i) => (
              <Table.Tr key={i}>
                <Table.Td>
                  {line.description ?? "Line item"}
                  {line.proration && (
                    <Badge ml={6} size="xs" variant="light" color="gray" tt="none">
                      Proration
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td
                  ta="right"
                  style={{ whiteSpace: "nowrap", fontVariantNumeric: "tabular-nums" }}
                >
                  {formatMoney(line.amount, data.currency)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {data.hasMoreLines && (
        <Text size="xs" c="dimmed">
          More lines in Stripe.
        </Text>
      )}
    </Stack>
  );
}
