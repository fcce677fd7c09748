import { Button, Group, Paper, Progress, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { IconRefresh } from "../../../components/icons";
import { useNow } from "../../../components/use-now";
import type { SyncStatus } from "../../../lib/api-types";
import { errorMessage } from "../../../lib/errors";
import {
  formatLocalInstant,
  formatNumber,
  formatRelativeTime,
  formatUtcInstant,
} from "../../../lib/format";
import { useTRPC } from "../../../lib/trpc";

/**
 * When the directory was last synced from Unkey and Stripe, a progress bar while a sync runs, and
 * "Sync now" for admins. Polls fast only while a sync runs; when one finishes the list refetches.
 */
export function SyncBar({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery({
    ...trpc.directory.syncStatus.queryOptions(),
    staleTime: 0,
    refetchInterval: (query) => (query.state.data?.running ? 2_000 : 30_000),
  });
  const running = !!status.data?.running;

  const wasRunning = useRef(running);
  useEffect(() => {
    if (wasRunning.current && !running) {
      void queryClient.invalidateQueries(trpc.directory.pathFilter());
    }
    wasRunning.current = running;
  }, [running, queryClient, trpc]);

  const syncNow = useMutation(
    trpc.directory.syncNow.mutationOptions({
      onSuccess: ({ started }) => {
        notifications.show(
          started
            ? {
                color: "blue",
                title: "Sync started",
                message: "The directory is being refreshed from Unkey and Stripe.",
              }
            : {
                color: "gray",
                title: "A sync is already running",
                message: "Its progress is shown above the directory.",
              },
        );
        void queryClient.invalidateQueries(trpc.directory.syncStatus.pathFilter());
      },
    }),
  );

  return (
    <Paper withBorder radius="sm" px="sm" py={6}>
      <Group justify="space-between" wrap="nowrap" gap="sm" mih={30}>
        <div style={{ flex: 1, minWidth: 0 }} aria-live="polite">
          {status.data ? (
            <SyncState status={status.data} />
          ) : status.isError ? (
            <Text size="sm" c="dimmed">
              Sync status unavailable: {errorMessage(status.error)}
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              Checking sync status…
            </Text>
          )}
        </div>
        {isAdmin && (
          <Button
            size="xs"
            variant="default"
            leftSection={<IconRefresh size={14} />}
            onClick={() => syncNow.mutate()}
            loading={syncNow.isPending}
            disabled={running}
          >
            Sync now
          </Button>
        )}
      </Group>
    </Paper>
  );
}

function SyncState({ status }: { status: SyncStatus }) {
  const now = useNow(15_000);
  const { running } = status;
  if (running) {
    const pct =
      running.total && running.total > 0
        ? Math.min(100, (running.done / running.total) * 100)
        : null;
    const counts =
      running.total !== null
        ? `${formatNumber(running.done)} / ${formatNumber(running.total)}`
        : `${formatNumber(running.done)} so far`;
    return (
      <Group gap="sm" wrap="nowrap">
        <Text size="sm" style={{ whiteSpace: "nowrap" }}>
          Syncing: {running.phase}{" "}
          <Text span c="dimmed" size="sm">
            {counts}
          </Text>
        </Text>
        <Progress
          value={pct ?? 100}
          animated={pct === null}
          striped={pct === null}
          size="md"
          style={{ flex: 1, minWidth: 120 }}
          aria-label={`Sync progress: ${running.phase}`}
        />
      </Group>
    );
  }
  const last = status.lastSyncedAt;
  return (
    <Group gap="xs" wrap="wrap">
      {last ? (
        <Text
          size="sm"
          title={`${formatUtcInstant(last)} (your time: ${formatLocalInstant(last)})`}
        >
          Synced {formatRelativeTime(last, now)}
        </Text>
      ) : (
        <Text size="sm">Not synced yet</Text>
      )}
      {status.lastResult === "failed" && (
        <Text size="sm" c="red" role="alert">
          Last sync failed{status.lastError ? `: ${status.lastError}` : ""}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        Refreshes every {formatNumber(status.intervalMinutes)} min
      </Text>
    </Group>
  );
}
