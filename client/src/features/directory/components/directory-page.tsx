import { Button, Group, Kbd, Loader, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { EmptyState } from "../../../components/empty-state";
import { ErrorState } from "../../../components/error-state";
import { IconDownload, IconSearch } from "../../../components/icons";
import { formatNumber } from "../../../lib/format";
import { pageSearchProps } from "../../../lib/page-search";
import { useTRPC } from "../../../lib/trpc";
import { directoryCsvUrl, hasFilters, nextSort, toDirectoryQuery } from "../search";
import { useDirectoryFirstPage } from "../use-directory-window";
import { DirectoryFilters } from "./directory-filters";
import { DirectoryTable, DirectoryTableSkeleton } from "./directory-table";
import { SyncBar } from "./sync-bar";

const route = getRouteApi("/_app/customers");

export function DirectoryPage() {
  const trpc = useTRPC();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const me = useQuery(trpc.session.me.queryOptions());
  const isAdmin = me.data?.user?.role === "admin";
  const plans = useQuery({ ...trpc.directory.plans.queryOptions(), staleTime: 5 * 60_000 });
  const planNames = useMemo(
    () => new Map((plans.data?.plans ?? []).map((p) => [p.id, p.name])),
    [plans.data],
  );

  // The input follows the keyboard at once; the URL (and so the query) follows it after a pause.
  const { q } = search;
  const [input, setInput] = useState(q ?? "");
  const [urlQ, setUrlQ] = useState(q);
  if (q !== urlQ) {
    // The URL changed under us (back button, a link, the command palette): show what it says,
    // unless it is just our own debounced write catching up with what is already typed.
    setUrlQ(q);
    if ((input.trim() || undefined) !== q) setInput(q ?? "");
  }
  // Typing replaces the history entry (one per pause would bury the back button); filter and sort
  // clicks push one each, so Back undoes them.
  const pushQ = useDebouncedCallback((value: string) => {
    void navigate({ search: (prev) => ({ ...prev, q: value.trim() || undefined }), replace: true });
  }, 250);

  const query = toDirectoryQuery(search);
  const first = useDirectoryFirstPage(query);
  const stale = first.isPlaceholderData;
  const total = first.data?.total ?? 0;

  const clearFilters = () => {
    setInput("");
    void navigate({
      search: (prev) => ({ ...prev, q: undefined, plans: undefined, statuses: undefined }),
    });
  };

  const filtered = hasFilters(search);
  const searching = first.isFetching && stale;

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={1}>Customers</Title>
          <Text size="sm" c="dimmed">
            Every Unkey identity and Stripe customer, with plan, keys and credits left.
          </Text>
        </div>
        <Button
          component="a"
          href={directoryCsvUrl(search)}
          download
          variant="default"
          size="xs"
          leftSection={<IconDownload size={14} />}
        >
          Export CSV
        </Button>
      </Group>

      <SyncBar isAdmin={isAdmin} />

      <Group gap="md" align="center" wrap="wrap">
        <TextInput
          aria-label="Search customers"
          placeholder="Name, email, external id, key id or prefix, Stripe id"
          type="search"
          value={input}
          onChange={(event) => {
            setInput(event.currentTarget.value);
            pushQ(event.currentTarget.value);
          }}
          onKeyDown={(event) => {
            if (event.key === "Escape" && input) {
              setInput("");
              pushQ("");
            }
          }}
          leftSection={<IconSearch />}
          rightSection={searching ? <Loader size="xs" /> : <Kbd size="xs">/</Kbd>}
          rightSectionPointerEvents="none"
          w={440}
          maw="100%"
          {...pageSearchProps}
        />
        <DirectoryFilters
          plans={search.plans ?? []}
          statuses={search.statuses ?? []}
          onPlansChange={(plans) =>
            void navigate({
              search: (prev) => ({ ...prev, plans: plans.length ? plans : undefined }),
            })
          }
          onStatusesChange={(statuses) =>
            void navigate({
              search: (prev) => ({ ...prev, statuses: statuses.length ? statuses : undefined }),
            })
          }
        />
      </Group>

      {first.isPending ? (
        <DirectoryTableSkeleton />
      ) : first.isError && !first.data ? (
        <ErrorState
          title="Could not load customers"
          error={first.error}
          onRetry={() => void first.refetch()}
          retrying={first.isRefetching}
        />
      ) : total === 0 && !stale ? (
        filtered ? (
          <EmptyState
            title="No customers match"
            action={
              <Button variant="default" size="xs" onClick={clearFilters}>
                Clear filters
              </Button>
            }
          >
            Search looks at names, emails, external ids, identity and key ids, key prefixes and
            Stripe customer ids. Try part of one, or fewer filters.
          </EmptyState>
        ) : (
          <EmptyState title="No customers yet">
            Customers appear here once the directory has synced identities and keys from Unkey.
          </EmptyState>
        )
      ) : (
        <Stack gap={6}>
          <Group gap="xs">
            <Text
              size="sm"
              fw={500}
              aria-live="polite"
              style={{ fontVariantNumeric: "tabular-nums" }}
            >
              {formatNumber(total)} {total === 1 ? "customer" : "customers"}
              {filtered ? (total === 1 ? " matches" : " match") : ""}
            </Text>
            {filtered && (
              <Button variant="subtle" size="compact-xs" onClick={clearFilters}>
                Clear filters
              </Button>
            )}
          </Group>
          <DirectoryTable
            query={query}
            search={search}
            total={total}
            firstRows={first.data?.rows}
            stale={stale}
            planNames={planNames}
            onSort={(column) =>
              void navigate({ search: (prev) => ({ ...prev, ...nextSort(prev, column) }) })
            }
          />
        </Stack>
      )}
    </Stack>
  );
}
