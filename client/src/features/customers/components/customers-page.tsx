import { Alert, Button, Group, Kbd, Loader, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { IconSearch } from "../../../components/icons";
import { errorMessage } from "../../../lib/errors";
import { formatNumber } from "../../../lib/format";
import { pageSearchProps } from "../../../lib/page-search";
import { useTRPC } from "../../../lib/trpc";
import { PAGE_SIZE } from "../search";
import { CustomersTable, CustomersTableSkeleton } from "./customers-table";

const route = getRouteApi("/_app/customers");

export function CustomersPage() {
  const trpc = useTRPC();
  const { q } = route.useSearch();
  const navigate = route.useNavigate();

  // The input follows the keyboard at once; the URL (and so the query) follows it after a pause.
  const [input, setInput] = useState(q ?? "");
  const [urlQ, setUrlQ] = useState(q);
  if (q !== urlQ) {
    // The URL changed under us (back button, a link, the command palette): show what it says,
    // unless it is just our own debounced write catching up with what is already typed.
    setUrlQ(q);
    if ((input.trim() || undefined) !== q) setInput(q ?? "");
  }
  const pushSearch = useDebouncedCallback((value: string) => {
    void navigate({ search: (prev) => ({ ...prev, q: value.trim() || undefined }), replace: true });
  }, 250);

  const list = useInfiniteQuery({
    ...trpc.customers.list.infiniteQueryOptions(
      { search: q, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    // Keep showing the previous results while the next search loads: no flash of skeleton per key.
    placeholderData: keepPreviousData,
  });

  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const searching = list.isFetching && list.isPlaceholderData;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={1}>Customers</Title>
          <Text size="sm" c="dimmed">
            Unkey identities with their plan, keys and credits left.
          </Text>
        </div>
      </Group>

      <TextInput
        aria-label="Search customers"
        placeholder="Search by name, email or external id"
        type="search"
        value={input}
        onChange={(event) => {
          setInput(event.currentTarget.value);
          pushSearch(event.currentTarget.value);
        }}
        onKeyDown={(event) => {
          if (event.key === "Escape" && input) {
            setInput("");
            pushSearch("");
          }
        }}
        leftSection={<IconSearch />}
        rightSection={searching ? <Loader size="xs" /> : <Kbd size="xs">/</Kbd>}
        rightSectionPointerEvents="none"
        maw={520}
        {...pageSearchProps}
      />

      {list.isPending ? (
        <CustomersTableSkeleton />
      ) : list.isError && rows.length === 0 ? (
        <ErrorState
          title="Could not load customers"
          error={list.error}
          onRetry={() => void list.refetch()}
          retrying={list.isRefetching}
        />
      ) : rows.length === 0 ? (
        q ? (
          <EmptyState
            title={`No customers match “${q}”`}
            action={
              <Button
                variant="default"
                size="xs"
                onClick={() => {
                  setInput("");
                  void navigate({ search: (prev) => ({ ...prev, q: undefined }), replace: true });
                }}
              >
                Clear search
              </Button>
            }
          >
            Search looks at names, emails and external ids. Try part of one.
          </EmptyState>
        ) : (
          <EmptyState title="No customers yet">
            Customers appear here once they exist as identities in Unkey.
          </EmptyState>
        )
      ) : (
        <Stack gap="sm">
          <CustomersTable rows={rows} q={q} />
          {list.isFetchNextPageError && (
            <Alert color="red" variant="light" title="Could not load more customers" role="alert">
              {errorMessage(list.error)}
            </Alert>
          )}
          <Group justify="space-between">
            <Text size="sm" c="dimmed" aria-live="polite">
              Showing {formatNumber(rows.length)} {rows.length === 1 ? "customer" : "customers"}
              {list.hasNextPage ? "" : q ? " matching the search" : ""}
            </Text>
            {list.hasNextPage && (
              <Button
                variant="default"
                size="xs"
                onClick={() => void list.fetchNextPage()}
                loading={list.isFetchingNextPage}
              >
                {list.isFetchNextPageError ? "Try loading more again" : "Load more"}
              </Button>
            )}
          </Group>
        </Stack>
      )}
    </Stack>
  );
}
