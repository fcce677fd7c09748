/**
 * Starts the console: store, upstream clients (the sandbox's emulators in sandbox mode), staff
 * bootstrap, HTTP server. `main.ts` calls this; integration tests call it too, on free ports.
 */
import path from "node:path";
import type { Logger } from "pino";
import { buildApp } from "./app";
import type { AppDeps } from "./context";
import type { Config, UpstreamConfig } from "./env";
import { createLogger } from "./logger";
import { loadPlanCatalog } from "./plans/catalog";
import { attachDirectory } from "./services/directory/index";
import { startUsageRefresh } from "./services/finance/schedule";
import { resumePending } from "./services/operations/index";
import { ensureSandboxStaff } from "./services/staff";
import { openStore, repos as makeRepos } from "./store/index";
import { createUpstream } from "./upstream/index";

export interface RunningConsole {
  url: string;
  deps: AppDeps;
  /** Present in sandbox mode. */
  sandbox: { unkeyUrl: string; stripeUrl: string } | null;
  close(): Promise<void>;
}

export async function startConsole(
  config: Config,
  opts: { log?: Logger; inMemoryStore?: boolean } = {},
): Promise<RunningConsole> {
  const log = opts.log ?? createLogger(config);
  const closers: (() => Promise<void>)[] = [];
  try {
    let upstreamConfig: UpstreamConfig;
    let sandbox: RunningConsole["sandbox"] = null;
    if (config.mode === "sandbox") {
      // Imported lazily: live mode never loads the emulators.
      const { startSandbox } = await import("./sandbox/index");
      const sb = await startSandbox({
        dataDir: opts.inMemoryStore ? null : config.dataDir,
        seed: config.sandbox.seed,
        host: "127.0.0.1",
        unkeyPort: config.sandbox.unkeyPort,
        stripePort: config.sandbox.stripePort,
        traffic:
          config.sandbox.trafficRate > 0 ? { ratePerSecond: config.sandbox.trafficRate } : false,
        log: (msg: string) => log.info({ component: "sandbox" }, msg),
      });
      closers.push(() => sb.close());
      sandbox = { unkeyUrl: sb.unkeyUrl, stripeUrl: sb.stripeUrl };
      upstreamConfig = {
        unkey: {
          rootKey: sb.credentials.unkeyRootKey,
          apiId: sb.credentials.unkeyApiId,
          baseUrl: sb.unkeyUrl,
        },
        stripe: { secretKey: sb.credentials.stripeSecretKey, baseUrl: sb.stripeUrl },
      };
    } else {
      upstreamConfig = config.upstream;
    }

    const store = await openStore(
      opts.inMemoryStore ? null : path.join(config.dataDir, "console.sqlite"),
    );
    closers.push(() => store.close());
    const repos = makeRepos(store);
    const deps: AppDeps = attachDirectory({
      config,
      repos,
      upstream: createUpstream(upstreamConfig),
      log,
      now: () => Date.now(),
      catalog: loadPlanCatalog(),
    });
    if (config.mode === "sandbox") await ensureSandboxStaff(repos, deps.now());
    await repos.sessions.deleteExpired(deps.now());
    // Operations a previous process left mid-way continue (or go to needs_review) now. One
    // instance owns the store, so any lease in it belongs to a dead process: take them over.
    // In the background: start-up must not wait on Unkey or Stripe being reachable.
    void resumePending(deps, { force: true }).then(
      (r) => r.resumed > 0 && log.info(r, "resumed pending operations"),
      (err: unknown) => log.error({ err }, "resuming pending operations failed"),
    );

    const app = await buildApp(deps);
    closers.push(() => app.close());
    const address = await app.listen({ host: config.host, port: config.port });
    // The directory syncs on a schedule; closing interrupts a running sync (it resumes later).
    await deps.directory.start();
    closers.push(() => deps.directory.stop());
    // The finance read model follows the directory: current and previous month, in the background.
    const stopUsageRefresh = startUsageRefresh(deps, config.directory.syncIntervalMs);
    closers.push(stopUsageRefresh);
    return {
      url: address,
      deps,
      sandbox,
      async close() {
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}
