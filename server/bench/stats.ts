/** Small measuring helpers for `pnpm bench`: percentiles, timers, RSS sampling, machine facts. */
import { readFileSync, writeFileSync } from "node:fs";
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

export interface MemoryAtPeak {
  /** Highest RSS seen (bytes): sampled, or the kernel's high-water mark when it is higher. */
  peak: number;
  /** `process.memoryUsage()` taken at the highest sampled RSS: heap vs external vs the rest. */
  atPeak: NodeJS.MemoryUsage;
  /** Highest RSS seen by the 25 ms samples alone. */
  sampled: number;
  /** The kernel's high-water mark since the sampler started (Linux), or null. */
  kernel: number | null;
}

/**
 * Linux keeps a process's peak RSS (VmHWM in /proc/self/status); writing "5" to
 * /proc/self/clear_refs starts it over. Unlike a timer-driven sample it also sees the peaks of
 * long synchronous stretches (better-sqlite3 calls chained through promises never yield to
 * timers). Both return false/null where unavailable.
 */
export function resetKernelPeakRss(): boolean {
  try {
    writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}
export function kernelPeakRss(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return m?.[1] ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples this process's RSS every `everyMs` until stopped; `stop()` returns the peak in bytes,
 * `stopDetailed()` also the breakdown (V8 heap, external/array buffers) taken at the highest
 * sample. RSS minus heapTotal minus external is mostly native memory: SQLite's page cache and
 * statements, code, malloc arenas, the tsx loader thread. With `kernelPeak`, the kernel's
 * high-water mark is reset at the start and counted at the end (one such sampler at a time).
 */
export function rssSampler(everyMs = 25, opts: { kernelPeak?: boolean } = {}) {
  const kernel = opts.kernelPeak === true && resetKernelPeakRss();
  let atPeak = process.memoryUsage();
  let peak = atPeak.rss;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) {
      // Only on a new peak: memoryUsage() walks the heap spaces, rss() alone does not.
      atPeak = process.memoryUsage();
      peak = Math.max(rss, atPeak.rss);
    }
  };
  const timer = setInterval(sample, everyMs);
  timer.unref();
  const stopDetailed = (): MemoryAtPeak => {
    clearInterval(timer);
    sample();
    const hwm = kernel ? kernelPeakRss() : null;
    return { peak: Math.max(peak, hwm ?? 0), atPeak, sampled: peak, kernel: hwm };
  };
  return { stop: (): number => stopDetailed().peak, stopDetailed };
}

/** "heap 80 MB, external 3 MB, other 150 MB" for a `process.memoryUsage()`. */
export function fmtMemory(m: NodeJS.MemoryUsage): string {
  const other = m.rss - m.heapTotal - m.external;
  return `heap ${fmtMB(m.heapUsed)} used of ${fmtMB(m.heapTotal)}, external ${fmtMB(m.external)} (array buffers ${fmtMB(m.arrayBuffers)}), native/other ${fmtMB(other)}`;
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
