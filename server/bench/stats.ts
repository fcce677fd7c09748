/** Small measuring helpers for `pnpm bench`: percentiles, timers, RSS sampling, machine facts. */
import { cpus, totalmem } from "node:os";

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest-rank: with few samples, interpolation would invent values never observed.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    min: s[0] ?? Number.NaN,
    max: s.at(-1) ?? Number.NaN,
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

/** Samples this process's RSS every `everyMs` until stopped; returns the peak in bytes. */
export function rssSampler(everyMs = 25) {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export const fmtMs = (ms: number) =>
  ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
export const fmtMB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
export const fmtKB = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const fmtRatio = (r: number) => `${r.toFixed(2)}×`;
export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");

export function machine() {
  const cpu = cpus();
  return {
    nproc: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    ramGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}
export type Machine = ReturnType<typeof machine>;

/** One measured figure, as printed and as written to docs/benchmarks.md. */
export interface Row {
  section: string;
  metric: string;
  value: string;
  target?: string;
  note?: string;
}
