import {
  Anchor,
  Badge,
  CopyButton,
  Group,
  Paper,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { memo, type ReactNode } from "react";
import { AnchorLink } from "../../../components/anchor-link";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { IconArrowLeft, IconExternal } from "../../../components/icons";
import { PlanBadge } from "../../../components/plan-badge";
import type { CustomerDetail } from "../../../lib/api-types";
import { errorCode } from "../../../lib/errors";
import { formatNumber, formatUtcInstant } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { CreditsPanel } from "./credits-panel";
import { KeysTable } from "./keys-table";
import { PoolsTable } from "./pools-table";
import { StripePanels, SubscriptionStatusBadge } from "./stripe-panels";

const route = getRouteApi("/_app/customers/$externalId");

// The page re-renders on every change of its URL's search params (the usage section keeps its
// range there). These panels take only the customer's data, which React Query keeps referentially
// stable, so memo spares them (and their tables) a re-render per range or bucket switch.
const KeysPanel = memo(KeysTable);
const PoolsPanel = memo(PoolsTable);
const Credits = memo(CreditsPanel);
const Stripe = memo(StripePanels);

/**
 * `usage` renders the usage charts section: the app composes it in (features do not import each
 * other), and it stays lazily loaded so none of it reaches the directory's first load.
 */
export function CustomerPage({
  usage,
  actions,
  ledger,
}: {
  usage?: (detail: CustomerDetail) => ReactNode;
  /** Header buttons (grant credits, change plan): composed in by the app, like `usage`. */
  actions?: (detail: CustomerDetail) => ReactNode;
  /** The ledger of grants and plan changes. */
  ledger?: (detail: CustomerDetail) => ReactNode;
} = {}) {
  const trpc = useTRPC();
  const { externalId } = route.useParams();
  const search = route.useSearch();
  const detail = useQuery(trpc.customers.byId.queryOptions({ externalId }));

  const back = (
    <AnchorLink to="/customers" search={search} size="sm" w="fit-content">
      <Group gap={4} component="span">
        <IconArrowLeft size={14} />
        Back to directory
      </Group>
    </AnchorLink>
  );

  if (detail.isPending) {
    return (
      <Stack gap="md" aria-busy="true">
        {back}
        <Skeleton height={28} width={280} />
        <Skeleton height={14} width={420} />
        <Skeleton height={180} />
        <Skeleton height={120} />
      </Stack>
    );
  }

  if (detail.isError) {
    if (errorCode(detail.error) === "NOT_FOUND") {
      return (
        <Stack gap="md">
          {back}
          <Title order={1}>Customer not found</Title>
          <EmptyState title={`No customer with external id “${externalId}”`}>
            It may have been deleted in Unkey, or the link has a typo. Search the directory instead.
          </EmptyState>
        </Stack>
      );
    }
    return (
      <Stack gap="md">
        {back}
        <Title order={1}>{externalId}</Title>
        <ErrorState
          title="Could not load this customer"
          error={detail.error}
          onRetry={() => void detail.refetch()}
          retrying={detail.isRefetching}
        />
      </Stack>
    );
  }

  return (
    <Stack gap="lg">
      {back}
      <CustomerHeader data={detail.data} actions={actions?.(detail.data)} />
      <Credits summary={detail.data.summary} />
      <section aria-labelledby="keys-heading">
        <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
          <Title order={2} size="h4" id="keys-heading">
            Keys
          </Title>
          <Text size="xs" c="dimmed">
            Refills happen at 00:00 UTC and replace the balance with the refill amount; they do not
            add to it. Keys at or above the amount are left as they are.
          </Text>
        </Group>
        <KeysPanel keys={detail.data.keys} labelledBy="keys-heading" />
      </section>
      <section aria-labelledby="pools-heading">
        <Title order={2} size="h4" id="pools-heading" mb="xs">
          Ratelimit pools
        </Title>
        <PoolsPanel data={detail.data} labelledBy="pools-heading" />
      </section>
      {usage?.(detail.data)}
      {ledger?.(detail.data)}
      <section aria-labelledby="stripe-heading">
        <Title order={2} size="h4" id="stripe-heading" mb="xs">
          Stripe
        </Title>
        <Stripe externalId={externalId} />
      </section>
    </Stack>
  );
}

function CustomerHeader({ data, actions }: { data: CustomerDetail; actions?: ReactNode }) {
  const trpc = useTRPC();
  const { identity, keys } = data;
  const config = useQuery({ ...trpc.session.config.queryOptions(), staleTime: Infinity });
  // Shares the Subscription panel's query (same key): one request for both.
  const billing = useQuery(
    trpc.billing.subscription.queryOptions({ externalId: identity.externalId }),
  );
  const plans = useQuery({ ...trpc.directory.plans.queryOptions(), staleTime: 5 * 60_000 });
  const planName = plans.data?.plans.find((p) => p.id === identity.plan)?.name ?? identity.plan;
  const live = config.data?.mode === "live";
  const subscription = billing.data?.subscription;
  const item = subscription?.items[0];
  const stripeUrl = billing.data?.customer?.dashboardUrl ?? null;
  const enabled = keys.filter((k) => k.enabled).length;
  return (
    <Stack gap="sm">
      <Group gap="sm" align="center" wrap="wrap">
        <Title order={1}>{identity.name ?? identity.externalId}</Title>
        <PlanBadge plan={planName} />
        {(live || actions) && (
          <Group gap="xs" ml="auto">
            {actions}
            {live && (
              <>
                <ExternalLink
                  href={`https://app.unkey.com/identities/${encodeURIComponent(identity.id)}`}
                >
                  Open in Unkey
                </ExternalLink>
                {stripeUrl && <ExternalLink href={stripeUrl}>Open in Stripe</ExternalLink>}
              </>
            )}
          </Group>
        )}
      </Group>
      <Paper withBorder p="md" radius="sm">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }} spacing="md" component="dl" m={0}>
          <Field label="External id">
            <Copyable value={identity.externalId} />
          </Field>
          <Field label="Email">
            {identity.email ? (
              <Anchor
                href={`mailto:${identity.email}`}
                size="sm"
                style={{ wordBreak: "break-all" }}
              >
                {identity.email}
              </Anchor>
            ) : (
              <Text span size="sm" c="dimmed">
                None
              </Text>
            )}
          </Field>
          <Field label="Identity id">
            <Copyable value={identity.id} />
          </Field>
          <Field label="Stripe customer">
            {identity.stripeCustomerId ? (
              <Copyable value={identity.stripeCustomerId} />
            ) : (
              <Text span size="sm" c="dimmed">
                Not linked
              </Text>
            )}
          </Field>
          <Field label="Subscription">
            {billing.isPending ? (
              <Text span size="sm" c="dimmed">
                Loading…
              </Text>
            ) : subscription ? (
              <Group gap={6} component="span" wrap="wrap">
                <SubscriptionStatusBadge status={subscription.status} />
                {item && (
                  <Text span size="xs" c="dimmed">
                    until {formatUtcInstant(item.currentPeriodEnd).slice(0, 10)}
                  </Text>
                )}
              </Group>
            ) : (
              <Text span size="sm" c="dimmed">
                {billing.isError ? "Unavailable" : "None"}
              </Text>
            )}
          </Field>
          <Field label="Keys">
            {formatNumber(keys.length)}{" "}
            <Text span size="sm" c="dimmed">
              ({formatNumber(enabled)} enabled)
            </Text>
          </Field>
        </SimpleGrid>
      </Paper>
    </Stack>
  );
}

function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Anchor href={href} target="_blank" rel="noopener noreferrer" size="sm">
      <Group gap={4} component="span" wrap="nowrap">
        {children}
        <IconExternal size={13} />
        <VisuallyHidden>(opens in a new tab)</VisuallyHidden>
      </Group>
    </Anchor>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text component="dt" size="xs" c="dimmed" fw={500} mb={2}>
        {label}
      </Text>
      <Text component="dd" m={0} size="sm">
        {children}
      </Text>
    </div>
  );
}

function Copyable({ value }: { value: string }) {
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <UnstyledButton
          onClick={copy}
          fz="sm"
          ff="monospace"
          title="Copy to clipboard"
          style={{ wordBreak: "break-all" }}
        >
          {value}
          {copied && (
            <Badge ml={6} size="xs" color="blue" variant="light" role="status">
              Copied
            </Badge>
          )}
        </UnstyledButton>
      )}
    </CopyButton>
  );
}
