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
} from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { AnchorLink } from "../../../components/anchor-link";
import type { ReactNode } from "react";
import { CreditsMeter } from "../../../components/credits-meter";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { IconArrowLeft } from "../../../components/icons";
import type { CustomerDetail } from "../../../lib/api-types";
import { errorCode } from "../../../lib/errors";
import { formatNumber } from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";
import { totalCredits } from "../totals";
import { KeysTable } from "./keys-table";
import { PlanBadge } from "./plan-badge";
import { PoolsTable } from "./pools-table";

const route = getRouteApi("/_app/customers/$externalId");

export function CustomerPage() {
  const trpc = useTRPC();
  const { externalId } = route.useParams();
  const { q } = route.useSearch();
  const detail = useQuery(trpc.customers.byId.queryOptions({ externalId }));

  const back = (
    <AnchorLink to="/customers" search={{ q }} size="sm" w="fit-content">
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
      <CustomerHeader data={detail.data} />
      <section aria-labelledby="keys-heading">
        <Group justify="space-between" mb="xs">
          <Title order={2} size="h4" id="keys-heading">
            Keys
          </Title>
          <Text size="xs" c="dimmed">
            Refills happen at 00:00 UTC and replace the balance; they do not add to it.
          </Text>
        </Group>
        <KeysTable keys={detail.data.keys} labelledBy="keys-heading" />
      </section>
      <section aria-labelledby="pools-heading">
        <Title order={2} size="h4" id="pools-heading" mb="xs">
          Ratelimit pools
        </Title>
        <PoolsTable
          identityPools={detail.data.identity.ratelimits}
          keys={detail.data.keys}
          labelledBy="pools-heading"
        />
      </section>
    </Stack>
  );
}

function CustomerHeader({ data }: { data: CustomerDetail }) {
  const { identity, keys } = data;
  const totals = totalCredits(keys);
  const enabled = keys.filter((k) => k.enabled).length;
  return (
    <Stack gap="sm">
      <Group gap="sm" align="center">
        <Title order={1}>{identity.name ?? identity.externalId}</Title>
        <PlanBadge plan={identity.plan} />
      </Group>
      <Paper withBorder p="md" radius="sm">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="md" component="dl" m={0}>
          <Field label="External id">
            <Copyable value={identity.externalId} />
          </Field>
          <Field label="Email">
            {identity.email ? (
              <Anchor href={`mailto:${identity.email}`} size="sm">
                {identity.email}
              </Anchor>
            ) : (
              <Text size="sm" c="dimmed">
                None
              </Text>
            )}
          </Field>
          <Field label="Stripe customer">
            {identity.stripeCustomerId ? (
              <Copyable value={identity.stripeCustomerId} />
            ) : (
              <Text size="sm" c="dimmed">
                Not linked
              </Text>
            )}
          </Field>
          <Field label="Keys">
            {formatNumber(keys.length)}{" "}
            <Text span size="sm" c="dimmed">
              ({formatNumber(enabled)} enabled)
            </Text>
          </Field>
          <Field label="Credits left, all keys">
            <CreditsMeter
              remaining={totals.remaining}
              allowance={totals.allowance}
              width={160}
              align="start"
            />
          </Field>
        </SimpleGrid>
        <Text size="xs" c="dimmed" mt="sm">
          Identity{" "}
          <Text span ff="monospace" size="xs">
            {identity.id}
          </Text>
        </Text>
      </Paper>
    </Stack>
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
