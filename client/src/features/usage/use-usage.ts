import { keepPreviousData, skipToken, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "../../lib/trpc";
import type { TimeseriesRequest } from "./search";
import { toBurndownChart, toSpentChart, toVerificationChart } from "./shape";

/** Verifications by outcome and credits spent per bucket, shaped for the charts. */
export function useUsageTimeseries(externalId: string, request: TimeseriesRequest | null) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.usage.timeseries.queryOptions(request ? { externalId, ...request } : skipToken),
    // Switching range keeps the old chart on screen (dimmed) instead of flashing a skeleton.
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  const data = query.data;
  const verifications = useMemo(() => (data ? toVerificationChart(data) : null), [data]);
  const spent = useMemo(() => (data ? toSpentChart(data) : null), [data]);
  return {
    query,
    verifications,
    spent,
    stale: data?.stale ?? null,
    bucket: data?.bucket,
    bucketMs: data?.bucketMs,
  };
}

/** Balance since the last refill, projected to the next one, shaped for the burn-down chart. */
export function useBurndown(externalId: string, keyId: string | undefined) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.usage.burndown.queryOptions({ externalId, ...(keyId ? { keyId } : {}) }),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  const data = query.data;
  const chart = useMemo(() => (data ? toBurndownChart(data) : null), [data]);
  return {
    query,
    chart,
    forecast: data?.forecast ?? null,
    stale: data?.stale ?? null,
    nextRefillAt: data?.nextRefillAt ?? null,
  };
}
