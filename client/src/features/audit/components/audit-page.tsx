import {
  Anchor,
  Badge,
  Button,
  Code,
  Collapse,
  Group,
  Pagination,
  Paper,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { Fragment, useState } from "react";
import { StackedInstant } from "../../../components/stacked-instant";
import { AnchorLink } from "../../../components/anchor-link";
import type { RouterOutputs } from "../../../lib/api-types";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { formatNumber, formatRole } from "../../../lib/format";
import { pageSearchProps } from "../../../lib/page-search";
import { useTRPC } from "../../../lib/trpc";
import {
  AUDIT_PAGE_SIZE,
  auditCsvUrl,
  auditFilters,
  changedKeys,
  type AuditSearch,
} from "../search";

const route = getRouteApi("/_app/audit");

const ACTIONS = [
  { value: "session", label: "Sign-ins and sign-outs" },
  { value: "grant", label: "Credit grants and approvals" },
  { value: "plan", label: "Plan changes" },
  { value: "staff", label: "Staff changes" },
  { value: "directory", label: "Directory syncs" },
];

export function AuditPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.session.me.queryOptions());
  const role = me.data?.user?.role;
  if (role && role !== "admin" && role !== "finance") {
    return (
      <Stack gap="md">
        <Title order={1}>Audit log</Title>
        <EmptyState title="Not allowed">
          The audit log is for admins and finance. Your role ({formatRole(role)}) cannot read it;
          ask an admin if you need an entry.
        </EmptyState>
      </Stack>
    );
  }
  return <AuditLog />;
}

function AuditLog() {
  const trpc = useTRPC();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const page = search.page ?? 1;
  const filters = auditFilters(search);
  const list = useQuery({
    ...trpc.audit.list.queryOptions({
      ...filters,
      limit: AUDIT_PAGE_SIZE,
      offset: (page - 1) * AUDIT_PAGE_SIZE,
    }),
    placeholderData: keepPreviousData,
  });
  const verify = useQuery(trpc.audit.verify.queryOptions());
  const setSearch = (patch: Partial<AuditSearch>) =>
    void navigate({ search: (prev) => ({ ...prev, ...patch, page: undefined }) });

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Stack gap={2}>
          <Title order={1}>Audit log</Title>
          <Text size="sm" c="dimmed">
            Every staff action, append-only. Each entry carries the hash of the one before it.
          </Text>
        </Stack>
        <Group gap="sm">
          <ChainStatus
            state={verify.isPending ? "pending" : verify.isError ? "error" : "done"}
            data={verify.data}
          />
          <Button component="a" href={auditCsvUrl(search)} variant="default" size="xs" download>
            Export CSV
          </Button>
        </Group>
      </Group>

      <Filters search={search} onChange={setSearch} />

      {list.isPending ? (
        <Stack gap={6} aria-busy="true">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} height={34} />
          ))}
        </Stack>
      ) : list.isError ? (
        <ErrorState
          title="Could not load the audit log"
          error={list.error}
          onRetry={() => void list.refetch()}
          retrying={list.isRefetching}
        />
      ) : list.data.items.length === 0 ? (
        <EmptyState title="No entries match these filters">
          Clear a filter or widen the date range.
        </EmptyState>
      ) : (
        <Paper withBorder radius="sm" style={{ opacity: list.isPlaceholderData ? 0.6 : 1 }}>
          <Table.ScrollContainer minWidth={900}>
            <Table verticalSpacing={6} fz="sm" aria-label="Audit log entries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>Change</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.data.items.map((e) => (
                  <AuditRow key={e.id} entry={e} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between" p="xs">
            <Text size="xs" c="dimmed">
              {formatNumber(list.data.total)} {list.data.total === 1 ? "entry" : "entries"}
            </Text>
            {list.data.total > AUDIT_PAGE_SIZE && (
              <Pagination
                size="sm"
                total={Math.ceil(list.data.total / AUDIT_PAGE_SIZE)}
                value={page}
                onChange={(p) =>
                  void navigate({ search: (prev) => ({ ...prev, page: p > 1 ? p : undefined }) })
                }
                getControlProps={(control) => ({ "aria-label": `${control} page` })}
              />
            )}
          </Group>
        </Paper>
      )}
    </Stack>
  );
}

function ChainStatus({
  state,
  data,
}: {
  state: "pending" | "error" | "done";
  data: { ok: boolean; entries: number | null; brokenAt: number | null } | undefined;
}) {
  if (state === "pending") {
    return (
      <Badge variant="light" color="gray" tt="none" size="lg">
        Checking hash chain…
      </Badge>
    );
  }
  if (state === "error" || !data) {
    return (
      <Badge variant="light" color="gray" tt="none" size="lg">
        Hash chain not checked
      </Badge>
    );
  }
  return data.ok ? (
    <Badge variant="light" color="teal" tt="none" size="lg" role="status">
      Hash chain verified: {formatNumber(data.entries ?? 0)} entries
    </Badge>
  ) : (
    <Badge variant="filled" color="red" tt="none" size="lg" role="alert">
      Hash chain broken at entry {data.brokenAt}
    </Badge>
  );
}

function Filters({
  search,
  onChange,
}: {
  search: AuditSearch;
  onChange: (patch: Partial<AuditSearch>) => void;
}) {
  // Text filters apply on Enter or blur, so typing does not fire a request per key.
  const [actor, setActor] = useState(search.actor ?? "");
  const [target, setTarget] = useState(search.target ?? "");
  const apply = () =>
    onChange({ actor: actor.trim() || undefined, target: target.trim() || undefined });
  const any = search.actor || search.target || search.action || search.from || search.to;
  return (
    <Paper withBorder p="sm" radius="sm">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
        role="search"
        aria-label="Filter the audit log"
      >
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }} spacing="sm">
          <TextInput
            label="Actor"
            placeholder="Email"
            value={actor}
            onChange={(e) => setActor(e.currentTarget.value)}
            onBlur={apply}
            size="xs"
            {...pageSearchProps}
          />
          <TextInput
            label="Customer"
            placeholder="External id"
            value={target}
            onChange={(e) => setTarget(e.currentTarget.value)}
            onBlur={apply}
            size="xs"
          />
          <Select
            label="Action"
            placeholder="Any action"
            data={ACTIONS}
            value={search.action ?? null}
            onChange={(v) => onChange({ action: v ?? undefined })}
            clearable
            size="xs"
          />
          <TextInput
            type="date"
            label="From (UTC)"
            value={search.from ?? ""}
            onChange={(e) => onChange({ from: e.currentTarget.value || undefined })}
            size="xs"
          />
          <TextInput
            type="date"
            label="To (UTC)"
            value={search.to ?? ""}
            onChange={(e) => onChange({ to: e.currentTarget.value || undefined })}
            size="xs"
          />
        </SimpleGrid>
        <Group justify="flex-end" mt="xs" gap="xs">
          {any && (
            <Button
              variant="subtle"
              size="xs"
              onClick={() => {
                setActor("");
                setTarget("");
                onChange({
                  actor: undefined,
                  target: undefined,
                  action: undefined,
                  from: undefined,
                  to: undefined,
                });
              }}
            >
              Clear filters
            </Button>
          )}
          <Button type="submit" variant="default" size="xs">
            Apply
          </Button>
        </Group>
      </form>
    </Paper>
  );
}

type Entry = RouterOutputs["audit"]["list"]["items"][number];

function AuditRow({ entry: e }: { entry: Entry }) {
  const [open, setOpen] = useState(false);
  const changed = changedKeys(e.before, e.after);
  const hasDetail = e.before != null || e.after != null || e.meta != null;
  const detailId = `audit-detail-${e.id}`;
  const looksLikeCustomer = e.target !== null && !e.action.startsWith("staff.");
  return (
    <Fragment>
      <Table.Tr>
        <Table.Td>
          <StackedInstant value={e.at} />
        </Table.Td>
        <Table.Td style={{ overflowWrap: "anywhere" }}>{e.actorEmail ?? "—"}</Table.Td>
        <Table.Td>{e.actorRole ? formatRole(e.actorRole) : "—"}</Table.Td>
        <Table.Td>
          <Code>{e.action}</Code>
        </Table.Td>
        <Table.Td style={{ overflowWrap: "anywhere" }}>
          {e.target === null ? (
            "—"
          ) : looksLikeCustomer && !e.action.startsWith("session.") ? (
            <AnchorLink to="/customers/$externalId" params={{ externalId: e.target }} size="sm">
              {e.target}
            </AnchorLink>
          ) : (
            e.target
          )}
        </Table.Td>
        <Table.Td>
          {hasDetail ? (
            <Anchor
              component="button"
              type="button"
              onClick={() => setOpen((o) => !o)}
              aria-expanded={open}
              aria-controls={detailId}
              fz="sm"
            >
              {open ? "Hide" : "Show"}{" "}
              {changed.length > 0
                ? `${changed.length} ${changed.length === 1 ? "change" : "changes"}`
                : "details"}
            </Anchor>
          ) : (
            <Text size="sm" c="dimmed">
              —
            </Text>
          )}
        </Table.Td>
      </Table.Tr>
      {hasDetail && (
        <Table.Tr id={detailId} style={open ? undefined : { display: "none" }}>
          <Table.Td colSpan={6} p={0}>
            <Collapse expanded={open}>
              <Diff before={e.before} after={e.after} meta={e.meta} hash={e.hash} />
            </Collapse>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}

function Diff({
  before,
  after,
  meta,
  hash,
}: {
  before: unknown;
  after: unknown;
  meta: unknown;
  hash: string;
}) {
  const keys = changedKeys(before, after);
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  const get = (v: unknown, k: string) => (isObj(v) ? (v as Record<string, unknown>)[k] : undefined);
  const show = (v: unknown) => (v === undefined ? "—" : JSON.stringify(v));
  return (
    <Stack gap="xs" p="sm" bg="var(--mantine-color-default-hover)">
      {(isObj(before) || isObj(after)) && keys.length > 0 ? (
        <Table fz="xs" withTableBorder={false} aria-label="Changed fields">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Field</Table.Th>
              <Table.Th>Before</Table.Th>
              <Table.Th>After</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {keys.map((k) => (
              <Table.Tr key={k}>
                <Table.Td ff="monospace">{k}</Table.Td>
                <Table.Td ff="monospace" c="red.8" style={{ overflowWrap: "anywhere" }}>
                  {show(get(before, k))}
                </Table.Td>
                <Table.Td ff="monospace" style={{ overflowWrap: "anywhere" }}>
                  {show(get(after, k))}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : before == null && after == null ? null : (
        <SimpleGrid cols={2} spacing="xs">
          <div>
            <Text size="xs" fw={600}>
              Before
            </Text>
            <Code block>{JSON.stringify(before, null, 2) ?? "null"}</Code>
          </div>
          <div>
            <Text size="xs" fw={600}>
              After
            </Text>
            <Code block>{JSON.stringify(after, null, 2) ?? "null"}</Code>
          </div>
        </SimpleGrid>
      )}
      {meta != null && (
        <div>
          <Text size="xs" fw={600}>
            Context
          </Text>
          <Code block>{JSON.stringify(meta, null, 2)}</Code>
        </div>
      )}
      <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: "anywhere" }}>
        hash {hash}
      </Text>
    </Stack>
  );
}
