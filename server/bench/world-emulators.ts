/**
 * Child-process entry of the large-world bench: the Unkey and Stripe emulators (and the large
 * world generated straight into their SQLite file) in a process of their own, so the process
 * that runs the console side (`./world-console.ts`: store, directory sync, tRPC queries,
 * finance.summary) measures the console's memory and nothing else. Started and driven by
 * `./emulator-process.ts`; not meant to be run by hand (though
 * `node --import tsx bench/world-emulators.ts` works and waits for commands on stdin).
 *
 * Protocol (one JSON document per line; stdout lines of the protocol start with `@bench `, any
 * other output goes to stderr):
 *  - on start: `@bench {"type":"ready","unkeyUrl":…,"stripeUrl":…,"credentials":…,"pid":…}`;
 *  - the parent writes `{"id":1,"cmd":"generateWorld","args":{…}}` to stdin; the child answers
 *    `@bench {"id":1,"ok":true,"result":…}` or `@bench {"id":1,"ok":false,"error":"…"}`.
 *    Commands run one at a time, in the order received (see `commands` below).
 *  - stdin closing (the parent exited, however it died), SIGINT, SIGTERM or `shutdown`: the
 *    emulators close, the scratch folder is deleted, the process exits.
 *
 * Adding a step that must run next to the emulators (e.g. another generator): add a handler to
 * `commands` (it gets the in-process `Sandbox` and the JSON args, returns JSON-serialisable
 * data), then call it from the console side (`runLargeWorld` in large-world.ts) with
 * `await sandbox.call<Result>("yourStep", args)`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startSandbox, type Sandbox } from "../src/sandbox/index";
import { rssSampler } from "./stats";
import {
  bulkInsertRecentVerifications,
  bulkInsertUnkeyWorld,
  bulkInsertUsageRollups,
  createStripeCustomers,
} from "./world-generator";

type Args = Record<string, unknown>;
const int = (a: Args, name: string): number => {
  const v = a[name];
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new Error(`${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  }
  return v;
};

function emit(msg: unknown) {
  process.stdout.write(`@bench ${JSON.stringify(msg)}\n`);
}

let sampler: ReturnType<typeof rssSampler> | null = null;

/** What the bench process may ask of this one. Each returns JSON-serialisable data. */
const commands: Record<string, (sandbox: Sandbox, args: Args) => unknown> = {
  /** Stripe customers (emulator API, in-process) + Unkey identities, keys, pools (bulk SQL). */
  async generateWorld(sandbox, args) {
    const customers = int(args, "customers");
    const stripe = await createStripeCustomers(
      sandbox,
      Math.min(int(args, "stripeCustomers"), customers),
    );
    const unkey = bulkInsertUnkeyWorld(
      sandbox.db,
      sandbox.credentials.unkeyApiId,
      { customers, keys: int(args, "keys"), now: sandbox.clock.now() },
      (i) => stripe.ids[i] ?? null,
    );
    return { unkey, stripe: { customers: stripe.ids.length, ms: stripe.ms } };
  },
  /** Per-day usage rollups for every bench key (see bulkInsertUsageRollups). */
  generateUsageHistory(sandbox) {
    return bulkInsertUsageRollups(sandbox.db, sandbox.clock.now());
  },
  /** Raw events of the last 24 h for the directory's usage question (see the generator). */
  generateRecentVerifications(sandbox) {
    return bulkInsertRecentVerifications(sandbox.db, sandbox.clock.now());
  },
  /** The emulators' clock (unix ms). */
  now(sandbox) {
    return sandbox.clock.now();
  },
  /** Unkey's analytics query quota (1000/hour) starts over. */
  resetQuota(sandbox) {
    sandbox.unkey.resetQuota();
    return null;
  },
  /** This process's memory now, and its lifetime peak RSS (bytes). */
  memory() {
    return { ...process.memoryUsage(), maxRss: process.resourceUsage().maxRSS * 1024 };
  },
  /** Starts sampling this process's RSS (every 25 ms); `rssPeak` stops and returns the peak. */
  rssWatch() {
    sampler?.stop();
    sampler = rssSampler(25, { kernelPeak: true });
    return null;
  },
  rssPeak() {
    const s = sampler;
    sampler = null;
    return s ? s.stopDetailed() : null;
  },
};

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "console-bench-emulators-"));
  let sandbox: Sandbox | null = null;
  let stopping: Promise<void> | null = null;
  const stop = (code: number) => {
    stopping ??= (async () => {
      try {
        await sandbox?.close();
      } catch (err) {
        console.error("emulators: close failed:", err);
      }
      rmSync(dir, { recursive: true, force: true });
      process.exit(code);
    })();
    return stopping;
  };
  process.on("SIGINT", () => void stop(130));
  process.on("SIGTERM", () => void stop(143));
  // The parent holds the other end of stdin: when it goes away (even killed with SIGKILL), so
  // does this process.
  const lines = createInterface({ input: process.stdin });
  lines.on("close", () => void stop(0));

  try {
    // On disk, as in production: an in-memory world would sit wholly in this process's RSS.
    sandbox = await startSandbox({
      dataDir: join(dir, "sandbox"),
      world: { customers: 10, historyDays: 1 },
      traffic: false,
      unkeyPort: 0,
      stripePort: 0,
      log: (msg) => console.error(msg),
    });
  } catch (err) {
    console.error("emulators: start failed:", err);
    await stop(1);
    return;
  }
  const s = sandbox;
  emit({
    type: "ready",
    unkeyUrl: s.unkeyUrl,
    stripeUrl: s.stripeUrl,
    credentials: s.credentials,
    pid: process.pid,
  });

  // One command at a time, in order: generators write in big transactions.
  let queue: Promise<void> = Promise.resolve();
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    queue = queue.then(async () => {
      let id: unknown = null;
      try {
        const msg = JSON.parse(line) as { id?: unknown; cmd?: unknown; args?: unknown };
        id = msg.id ?? null;
        if (msg.cmd === "shutdown") {
          emit({ id, ok: true, result: null });
          await stop(0);
          return;
        }
        const handler = typeof msg.cmd === "string" ? commands[msg.cmd] : undefined;
        if (!handler) throw new Error(`unknown command ${JSON.stringify(msg.cmd)}`);
        const args = (msg.args && typeof msg.args === "object" ? msg.args : {}) as Args;
        emit({ id, ok: true, result: (await handler(s, args)) ?? null });
      } catch (err) {
        emit({
          id,
          ok: false,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      }
    });
  });
}

void main();
