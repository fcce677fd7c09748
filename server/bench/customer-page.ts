/**
 * The customer page under upstream latency: 50 ms injected on every endpoint of both emulators,
 * then the page's procedures called together (as the client's batched request does) vs each of
 * them alone, and vs the slowest single upstream request the page made. A ratio near 1 means the
 * panels wait on each other for nothing and every upstream read runs in parallel; the absolute time
 * in round trips shows the critical path (dependent upstream calls).
 *
 * What "cold" means here: every page view, and every procedure measured alone, gets its own
 * shallow copy of deps, so the per-customer caches (which Stripe customer, its subscription) start
 * empty, as on the first view of a customer. The four procedures of one page view share one copy,
 * as they share the server's one deps object when the client's batched request runs them. The
 * account's billing meter, which a running console looks up once per 10 minutes, is warm.
 *
 * Background work a procedure starts and does not wait for (opening a customer refreshes its
 * directory row: four more upstream round trips) is awaited after each measurement, so it never
 * runs into the next one; within a page view it overlaps the other procedures, as in production.
 *
 * The emulators run in a child process (`pnpm sandbox`), as Unkey and Stripe run elsewhere in
 * production: their work (routing, SQLite, JSON) is upstream time, and in this process it would
 * queue on the console's event loop, six requests' worth for a page view against two for one
 * procedure alone, charging the parallel page for work that is not the server's.
 * `BENCH_PAGE_SANDBOX=inprocess` runs them in this process instead (the figures then include it).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import type { AppDeps, SessionInfo } from "../src/context";
import { createContextInner } from "../src/context";
import { sandboxCredentials, startSandbox } from "../src/sandbox/index";
import { runFullSync } from "../src/services/directory/index";
import { createCaller, createTestDeps, recordingCookies } from "../src/testing/harness";
import { createUpstream, type Upstream } from "../src/upstream/index";
import { fmtMs, fmtRatio, summarize, type Row } from "./stats";

const LATENCY_MS = 50;
const WORLD = { customers: 60, historyDays: 14 };

/** Customers with an identity, keys and a Stripe subscription, and no planted anomaly. */
const CUSTOMERS_SQL = `SELECT external_id FROM sandbox_world_customers
  WHERE identity_id IS NOT NULL AND subscription_id IS NOT NULL AND anomaly IS NULL
  ORDER BY external_id`;

interface Emulators {
  where: string;
  unkeyUrl: string;
  stripeUrl: string;
  now: () => number;
  customers: () => string[];
  latency: (ms: number) => Promise<void>;
  clearFaults: () => Promise<void>;
  close: () => Promise<void>;
}

async function inProcessEmulators(): Promise<Emulators> {
  const sandbox = await startSandbox({
    dataDir: null,
    world: WORLD,
    traffic: false,
    unkeyPort: 0,
    stripePort: 0,
  });
  return {
    where: "in this process",
    unkeyUrl: sandbox.unkeyUrl,
    stripeUrl: sandbox.stripeUrl,
    now: () => sandbox.clock.now(),
    customers: () =>
      (sandbox.db.prepare(CUSTOMERS_SQL).all() as { external_id: string }[]).map(
        (r) => r.external_id,
      ),
    latency: async (latencyMs) => {
      sandbox.faults.unkey.add({ endpoint: "*", kind: "latency", latencyMs });
      sandbox.faults.stripe.add({ endpoint: "*", kind: "latency", latencyMs });
    },
    clearFaults: async () => {
      sandbox.faults.unkey.clear();
      sandbox.faults.stripe.clear();
    },
    close: () => sandbox.close(),
  };
}

/** `pnpm sandbox` in a child process over a scratch data folder; faults via its control API. */
async function childProcessEmulators(): Promise<Emulators> {
  const dataDir = mkdtempSync(join(tmpdir(), "bench-page-sandbox-"));
  const cli = fileURLToPath(new URL("../src/sandbox/cli.ts", import.meta.url));
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      cli,
      ...["--data-dir", dataDir, "--reset", "--traffic-rate", "0"],
      ...["--unkey-port", "0", "--stripe-port", "0"],
      ...["--customers", String(WORLD.customers), "--history-days", String(WORLD.historyDays)],
    ],
    { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // If this process ends without closing (an uncaught error, process.exit), take the child along;
  // Ctrl-C reaches it anyway (same process group).
  const killChild = () => child.kill("SIGTERM");
  process.once("exit", killChild);
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4_000);
  });
  const urls = await new Promise<{ unkey: string; stripe: string }>((resolve, reject) => {
    let out = "";
    const found: Record<string, string> = {};
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      for (const m of out.matchAll(/^(UNKEY_URL|STRIPE_URL)=(\S+)\r?\n/gm)) found[m[1]!] = m[2]!;
      if (found.UNKEY_URL && found.STRIPE_URL)
        resolve({ unkey: found.UNKEY_URL, stripe: found.STRIPE_URL });
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited (${code}): ${stderr}`)));
  });
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${urls.unkey}/_sandbox/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const clock = (await control("GET", "clock")) as { now: number; frozen: boolean };
  const offsetMs = clock.now - Date.now();
  return {
    where: "in a child process",
    unkeyUrl: urls.unkey,
    stripeUrl: urls.stripe,
    now: clock.frozen ? () => clock.now : () => Date.now() + offsetMs,
    customers: () => {
      const db = new Database(join(dataDir, "sandbox.sqlite"), { readonly: true });
      try {
        return (db.prepare(CUSTOMERS_SQL).all() as { external_id: string }[]).map(
          (r) => r.external_id,
        );
      } finally {
        db.close();
      }
    },
    latency: async (latencyMs) => {
      for (const service of ["unkey", "stripe"]) {
        await control("POST", "faults", { service, endpoint: "*", kind: "latency", latencyMs });
      }
    },
    clearFaults: async () => {
      await control("DELETE", "faults");
    },
    close: async () => {
      process.removeListener("exit", killChild);
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const session: SessionInfo = {
  id: "bench",
  csrfToken: "bench",
  staff: { id: "bench", email: "support@example.com", name: "Bench", role: "support" },
};

/** One upstream HTTP request as the console saw it (ms on `performance.now()`). */
interface UpstreamCall {
  name: string;
  start: number;
  end: number;
}

/**
 * Records every upstream request. `keysOf` is left out: it is `listKeys` page by page, and those
 * requests are recorded themselves.
 */
function recordUpstream(upstream: Upstream): UpstreamCall[] {
  const calls: UpstreamCall[] = [];
  for (const [service, client] of Object.entries(upstream) as [string, object][]) {
    const methods = client as Record<string, unknown>;
    for (const [name, fn] of Object.entries(methods)) {
      if (typeof fn !== "function" || name === "writeEpoch" || name === "keysOf") continue;
      const real = fn as (...args: unknown[]) => Promise<unknown>;
      methods[name] = async function (this: unknown, ...args: unknown[]) {
        const call: UpstreamCall = {
          name: `${service}.${name}`,
          start: performance.now(),
          end: Number.NaN,
        };
        calls.push(call);
        try {
          return await real.apply(this, args);
        } finally {
          call.end = performance.now();
        }
      };
    }
  }
  return calls;
}

type Caller = ReturnType<typeof createCaller>;
const procedures: Record<string, (c: Caller, externalId: string) => Promise<unknown>> = {
  "customers.byId": (c, externalId) => c.customers.byId({ externalId }),
  "billing.subscription": (c, externalId) => c.billing.subscription({ externalId }),
  "billing.usage": (c, externalId) => c.billing.usage({ externalId }),
  "billing.upcomingInvoice": (c, externalId) => c.billing.upcomingInvoice({ externalId }),
};

export async function benchCustomerPage(opts: { iterations: number }): Promise<Row[]> {
  const emulators =
    process.env.BENCH_PAGE_SANDBOX === "inprocess"
      ? await inProcessEmulators()
      : await childProcessEmulators();
  // Production tuning (read retries on): latency is not a fault they react to.
  const upstream = createUpstream({
    unkey: {
      rootKey: sandboxCredentials.unkeyRootKey,
      apiId: sandboxCredentials.unkeyApiId,
      baseUrl: emulators.unkeyUrl,
    },
    stripe: { secretKey: sandboxCredentials.stripeSecretKey, baseUrl: emulators.stripeUrl },
  });
  const calls = recordUpstream(upstream);
  const test = await createTestDeps({ upstream, now: emulators.now });

  // Work the procedures start without waiting for it; awaited between measurements.
  const background: Promise<unknown>[] = [];
  const settleBackground = async () => {
    while (background.length) await Promise.allSettled(background.splice(0));
  };
  /** A shallow copy of deps: same clients, store and meter cache; its own per-customer caches. */
  const coldDeps = (): AppDeps => ({
    ...test.deps,
    directory: {
      ...test.deps.directory,
      refreshCustomer: (externalId: string) => {
        const p = test.deps.directory.refreshCustomer(externalId);
        background.push(p);
        return p;
      },
    },
  });
  const callerOf = (deps: AppDeps) =>
    createCaller(
      createContextInner({
        deps,
        session,
        csrf: { header: null, cookie: null },
        ip: "127.0.0.1",
        cookies: recordingCookies().jar,
        requestId: "bench",
      }),
    );

  // As in production, the directory read model has been synced (the page reads the Stripe
  // customer id from it); the sync runs before any latency is injected.
  await runFullSync(test.deps);
  try {
    const customers = emulators.customers();
    const pick = (i: number) => customers[i % customers.length] ?? "acme-corp";

    /** One measurement: wall time, and the upstream requests sent and answered within it. */
    const measure = async (fn: () => Promise<unknown>) => {
      const first = calls.length;
      const t = performance.now();
      await fn();
      const ms = performance.now() - t;
      const within = calls.slice(first).filter((c) => c.end <= t + ms);
      await settleBackground();
      return { ms, within };
    };
    const page = (externalId: string) => {
      const caller = callerOf(coldDeps()); // one deps for the four, as on the server
      return Promise.all(Object.values(procedures).map((p) => p(caller, externalId)));
    };

    // Warm up without latency: JIT, keep-alive connections, the billing meter. Also the
    // no-latency baseline.
    for (let i = 0; i < 5; i++) await measure(() => page(pick(i)));
    const baseline: number[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      baseline.push((await measure(() => page(pick(i)))).ms);
    }

    await emulators.latency(LATENCY_MS);

    const alone: Record<string, number[]> = Object.fromEntries(
      Object.keys(procedures).map((k) => [k, []]),
    );
    const slowestAlone: number[] = [];
    const together: number[] = [];
    const slowestCall: number[] = [];
    const requests: number[] = [];
    const ratios: number[] = [];
    const callRatios: number[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      const externalId = pick(i);
      let slowest = 0;
      for (const [name, p] of Object.entries(procedures)) {
        const { ms } = await measure(() => p(callerOf(coldDeps()), externalId));
        alone[name]?.push(ms);
        slowest = Math.max(slowest, ms);
      }
      const { ms, within } = await measure(() => page(externalId));
      const longest = Math.max(...within.map((c) => c.end - c.start));
      slowestAlone.push(slowest);
      together.push(ms);
      slowestCall.push(longest);
      requests.push(within.length);
      ratios.push(ms / slowest);
      callRatios.push(ms / longest);
    }

    const rows: Row[] = [];
    const section = "Customer page, 50 ms on every upstream call";
    const b = summarize(baseline);
    rows.push({
      section,
      metric: "page (4 procedures together), no latency: p50 / p95",
      value: `${fmtMs(b.p50)} / ${fmtMs(b.p95)}`,
    });
    for (const [name, samples] of Object.entries(alone)) {
      const s = summarize(samples);
      rows.push({
        section,
        metric: `${name} alone: p50 / p95`,
        value: `${fmtMs(s.p50)} / ${fmtMs(s.p95)}`,
        note: `${(s.p50 / LATENCY_MS).toFixed(1)} round trips`,
      });
    }
    const t = summarize(together);
    const sa = summarize(slowestAlone);
    const sc = summarize(slowestCall);
    const r = summarize(ratios);
    const rc = summarize(callRatios);
    const n = summarize(requests);
    rows.push({
      section,
      metric: "page (4 procedures together): p50 / p95",
      value: `${fmtMs(t.p50)} / ${fmtMs(t.p95)}`,
      note: `${(t.p50 / LATENCY_MS).toFixed(1)} round trips of ${LATENCY_MS} ms; ${n.p50} upstream requests (p50)`,
    });
    rows.push({
      section,
      metric: "slowest single procedure alone: p50 / p95",
      value: `${fmtMs(sa.p50)} / ${fmtMs(sa.p95)}`,
    });
    rows.push({
      section,
      metric: "together ÷ slowest procedure alone (per page view): p50 / p95",
      value: `${fmtRatio(r.p50)} / ${fmtRatio(r.p95)}`,
      target: "≤ 1.3×",
      note: `n = ${opts.iterations}, a different customer each, cold per-customer caches, emulators ${emulators.where}`,
    });
    rows.push({
      section,
      metric: "slowest single upstream request of the page: p50 / p95",
      value: `${fmtMs(sc.p50)} / ${fmtMs(sc.p95)}`,
    });
    rows.push({
      section,
      metric: "together ÷ slowest single upstream request (per page view): p50 / p95",
      value: `${fmtRatio(rc.p50)} / ${fmtRatio(rc.p95)}`,
      target: "≤ 1.3×",
      note: "1× = every upstream read of the page in parallel, nothing else on the critical path",
    });
    return rows;
  } finally {
    await emulators.clearFaults().catch(() => undefined);
    await settleBackground();
    await test.close();
    await emulators.close();
  }
}
