/**
 * Recharts (≈100 KB gzip) lives in its own chunk. This module only knows how to fetch it, so the
 * router can start the download together with the customer page's own code (router.tsx) without
 * pulling the usage section into the first-load bundle; the section then finds it loaded.
 */
import type * as UsageCharts from "./components/usage-charts";

export type ChartsModule = typeof UsageCharts;
let chartsModule: ChartsModule | null = null;
let chartsLoading: Promise<ChartsModule> | null = null;

export function loadedCharts(): ChartsModule | null {
  return chartsModule;
}

export function loadCharts(): Promise<ChartsModule> {
  chartsLoading ??= import("./components/usage-charts").then(
    (m) => (chartsModule = m),
    (err: unknown) => {
      chartsLoading = null; // a later call tries again
      throw err;
    },
  );
  return chartsLoading;
}
