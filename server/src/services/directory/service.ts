/**
 * The directory's running parts: a scheduled full sync every SYNC_INTERVAL_MINUTES (a tick that
 * finds a sync running skips — runs never overlap), "sync now", per-customer refreshes (concurrent
 * requests for one customer share a refresh), and the status the UI polls.
 */
import {
  refreshCustomer,
  runFullSync,
  type SyncDeps,
  type SyncOptions,
  type SyncResult,
} from "./sync";
import { isoOrNull } from "../../domain/time";

export interface DirectoryStatus {
  lastSyncedAt: string | null;
  lastResult: "ok" | "failed" | null;
  lastError: string | null;
  running: null | { phase: string; done: number; total: number | null; startedAt: string };
  intervalMinutes: number;
}

export function createDirectoryService(
  d: SyncDeps,
  opts: { intervalMs: number; sync?: Omit<SyncOptions, "signal"> },
) {
  let running: { promise: Promise<SyncResult>; controller: AbortController } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = true;
  const refreshing = new Map<string, Promise<void>>();

  function launch(): Promise<SyncResult> | null {
    if (running) return null;
    const controller = new AbortController();
    const promise = runFullSync(d, { ...opts.sync, signal: controller.signal }).finally(() => {
      running = null;
    });
    running = { promise, controller };
    return promise;
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      timer = null;
      if (running) d.log.info("scheduled directory sync skipped: one is still running");
      else void launch();
      schedule(opts.intervalMs);
    }, delayMs);
    timer.unref();
  }

  return {
    /** Starts the schedule; the first run comes at once when the directory is older than the interval. */
    async start(): Promise<void> {
      if (!stopped) return;
      stopped = false;
      // A full sync pauses per-row search-index maintenance and rebuilds once at its end; a process
      // that died mid-sync left it paused. Nothing runs in this process yet, so resume it now
      // (one instance per store; several instances would take this under the sync lock).
      await d.repos.directory.resumeSearchIndex();
      const last = await d.repos.syncRuns.lastOk();
      const unfinished = await d.repos.syncRuns.latestUnfinished();
      const age = last?.finished_at ? d.now() - last.finished_at : Infinity;
      schedule(unfinished || age >= opts.intervalMs ? 0 : opts.intervalMs - age);
    },

    /** Stops the schedule and interrupts a running sync (it resumes from its checkpoint later). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      const r = running;
      if (r) {
        r.controller.abort();
        await r.promise.catch(() => undefined);
      }
      await Promise.allSettled([...refreshing.values()]);
    },

    /** Starts a full sync unless one is running; the promise resolves when it ends. */
    runNow(): Promise<SyncResult> | null {
      return launch();
    },

    isRunning(): boolean {
      return running !== null;
    },

    refreshCustomer(externalId: string): Promise<void> {
      const pending = refreshing.get(externalId);
      if (pending) return pending;
      const p = refreshCustomer(d, externalId).finally(() => refreshing.delete(externalId));
      refreshing.set(externalId, p);
      return p;
    },

    async status(): Promise<DirectoryStatus> {
      const [lastOk, lastFinished, open] = await Promise.all([
        d.repos.syncRuns.lastOk(),
        d.repos.syncRuns.lastFinished(),
        running ? d.repos.syncRuns.latestUnfinished() : Promise.resolve(undefined),
      ]);
      return {
        lastSyncedAt: isoOrNull(lastOk?.finished_at),
        lastResult: lastFinished ? (lastFinished.status === "ok" ? "ok" : "failed") : null,
        lastError: lastFinished?.status === "failed" ? lastFinished.error : null,
        running:
          running && open
            ? {
                phase: open.phase,
                done: open.done,
                total: open.total,
                startedAt: new Date(open.started_at).toISOString(),
              }
            : running
              ? {
                  phase: "starting",
                  done: 0,
                  total: null,
                  startedAt: new Date(d.now()).toISOString(),
                }
              : null,
        intervalMinutes: opts.intervalMs / 60_000,
      };
    },
  };
}
export type DirectoryService = ReturnType<typeof createDirectoryService>;
