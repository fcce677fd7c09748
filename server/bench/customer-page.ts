/**
 * The customer page under upstream latency: 50 ms injected on every endpoint of both emulators,
 * then the page's procedures called together (as the client's batched request does) vs the
 * slowest of them called alone. A ratio near 1 means the panels wait on each other for nothing;
 * the absolute time in round trips shows the critical path (dependent upstream calls).
 *
 * Every measurement uses a fresh deps object, so the billing panels' customer/subscription cache
 * starts cold, as on the first view of a customer.
 */
import type { AppDeps, SessionInfo } from "../src/context";
import { createContextInner } from "../src/context";
import { startSandbox } from "../src/sandbox/index";
import { runFullSync } from "../src/services/directory/index";
import { createCaller, createTestDeps, recordingCookies } from "../src/testing/harness";
import { createUpstream } from "../src/upstream/index";
import { fmtMs, fmtRatio, summarize, type Row } from "./stats";

const LATENCY_MS = 50;

const session: SessionInfo = {
  id: "bench",
  csrfToken: "bench",
  staff: { id: "bench", email: "support@example.com", name: "Bench", role: "support" },
};

/** A caller over a shallow copy of deps: same clients and store, its own (cold) billing cache. */
function coldCaller(deps: AppDeps) {
  return createCaller(
    createContextInner({
      deps: { ...deps },
      session,
      csrf: { header: null, cookie: null },
      ip: "127.0.0.1",
      cookies: recordingCookies().jar,
      requestId: "bench",
    }),
  );
}

type Caller = ReturnType<typeof coldCaller>;
const procedures: Record<string, (c: Caller, externalId: string) => Promise<unknown>> = {
  "customers.byId": (c, externalId) => c.customers.byId({ externalId }),
  "billing.subscription": (c, externalId) => c.billing.subscription({ externalId }),
  "billing.usage": (c, externalId) => c.billing.usage({ externalId }),
  "billing.upcomingInvoice": (c, externalId) => c.billing.upcomingInvoice({ externalId }),
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

export async function benchCustomerPage(opts: { iterations: number }): Promise<Row[]> {
  const sandbox = await startSandbox({
    dataDir: null,
    world: { customers: 60, historyDays: 14 },
    traffic: false,
    unkeyPort: 0,
    stripePort: 0,
  });
  const test = await createTestDeps({
    // Production tuning (read retries on): latency is not a fault they react to.
    upstream: createUpstream({
      unkey: {
        rootKey: sandbox.credentials.unkeyRootKey,
        apiId: sandbox.credentials.unkeyApiId,
        baseUrl: sandbox.unkeyUrl,
      },
      stripe: { secretKey: sandbox.credentials.stripeSecretKey, baseUrl: sandbox.stripeUrl },
    }),
  });
  // As in production, the directory read model has been synced (the page reads the Stripe
  // customer id from it); the sync runs before any latency is injected.
  await runFullSync(test.deps);
  try {
    const customers = (
      sandbox.db
        .prepare(
          `SELECT external_id FROM sandbox_world_customers
           WHERE identity_id IS NOT NULL AND subscription_id IS NOT NULL AND anomaly IS NULL
           ORDER BY external_id`,
        )
        .all() as { external_id: string }[]
    ).map((r) => r.external_id);
    const pick = (i: number) => customers[i % customers.length] ?? "acme-corp";

    const page = (externalId: string) =>
      Promise.all(Object.values(procedures).map((p) => p(coldCaller(test.deps), externalId)));

    // Warm up without latency: JIT, keep-alive connections. Also the no-latency baseline.
    for (let i = 0; i < 5; i++) await page(pick(i));
    const baseline: number[] = [];
    for (let i = 0; i < opts.iterations; i++) baseline.push(await time(() => page(pick(i))));

    sandbox.faults.unkey.add({ endpoint: "*", kind: "latency", latencyMs: LATENCY_MS });
    sandbox.faults.stripe.add({ endpoint: "*", kind: "latency", latencyMs: LATENCY_MS });

    const alone: Record<string, number[]> = Object.fromEntries(
      Object.keys(procedures).map((k) => [k, []]),
    );
    const slowestAlone: number[] = [];
    const together: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      const externalId = pick(i);
      let slowest = 0;
      for (const [name, p] of Object.entries(procedures)) {
        const ms = await time(() => p(coldCaller(test.deps), externalId));
        alone[name]?.push(ms);
        slowest = Math.max(slowest, ms);
      }
      const ms = await time(() => page(externalId));
      slowestAlone.push(slowest);
      together.push(ms);
      ratios.push(ms / slowest);
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
    const r = summarize(ratios);
    rows.push({
      section,
      metric: "page (4 procedures together): p50 / p95",
      value: `${fmtMs(t.p50)} / ${fmtMs(t.p95)}`,
      note: `${(t.p50 / LATENCY_MS).toFixed(1)} round trips of ${LATENCY_MS} ms`,
    });
    rows.push({
      section,
      metric: "slowest single procedure alone: p50 / p95",
      value: `${fmtMs(sa.p50)} / ${fmtMs(sa.p95)}`,
    });
    rows.push({
      section,
      metric: "together ÷ slowest alone (per page view): p50 / p95",
      value: `${fmtRatio(r.p50)} / ${fmtRatio(r.p95)}`,
      target: "≤ 1.3×",
      note: `n = ${opts.iterations}, a different customer each, cold billing cache`,
    });
    return rows;
  } finally {
    sandbox.faults.unkey.clear();
    sandbox.faults.stripe.clear();
    await test.close();
    await sandbox.close();
  }
}
