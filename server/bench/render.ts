/**
 * Client render time of the "Verifications by outcome" chart (issue 5) in headless Chromium.
 *
 * The client is built into a scratch folder (a running server's client/dist is left alone) and
 * the console is started as a child process in sandbox mode on free ports, as the e2e does. The
 * heaviest demo customer (most verifications in the last 90 days) is read from the child's
 * sandbox SQLite file. Signed in as finance, each run opens a new tab on
 * `/customers/<heaviest>?range=90d` (the "Auto" bucket choice: daily) and on
 * `…?range=90d&bucket=hour` (the "Hour" choice: 2,160 hourly buckets, the issue's chart).
 *
 * Measured, on the page's own clock (performance.now(), origin = navigation start):
 *  - dataEnd: responseEnd of the tRPC request carrying `usage.timeseries` (Resource Timing; the
 *    batch may also carry `usage.burndown`, then it is the end of the whole batch);
 *  - painted: the first chart shape (`.recharts-rectangle` or `.recharts-area-area`) inside the
 *    chart's `role="img"` box seen by a MutationObserver, then one requestAnimationFrame and one
 *    macrotask after it — i.e. after the frame holding the chart has been rendered.
 * "render" = painted − dataEnd: JSON parsing, React Query, shaping the rows, React + Recharts
 * render, layout and paint (and the lazy charts chunk if the HTTP cache does not hold it; one
 * warm-up view per variant runs first). "navigation → chart" = painted.
 *
 * The notes say how the chart was drawn (the caption the page shows when it draws fewer points
 * than there are buckets) and the machine's load average: on a shared 2-core machine the figures
 * move with whatever else runs, so compare medians of runs made under similar load.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { chromium, type Browser, type BrowserContext } from "playwright-core";
import { fmtMs, summarize, type Row } from "./stats";

const section = "Chart render (headless Chromium)";
const repoRoot = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const CHART = "Verifications by outcome";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Starts `src/main.ts` in sandbox mode (as e2e/global-setup.ts does) and parses its URLs. */
async function startConsole(dataDir: string, clientDist: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(repoRoot, "server"),
    env: {
      ...process.env,
      NODE_ENV: "production",
      UNKEY_ROOT_KEY: "",
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      CLIENT_DIST: clientDist,
      SANDBOX_UNKEY_PORT: "0",
      SANDBOX_STRIPE_PORT: "0",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const baseUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`console did not start:\n${output}`)), 120_000);
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`console exited with ${code ?? signal}:\n${output.slice(-2000)}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    baseUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}

function heaviestCustomer(dataDir: string): { id: string; n: number } {
  const file = walk(dataDir).find((p) => p.endsWith("sandbox.sqlite"));
  if (!file) throw new Error(`no sandbox.sqlite under ${dataDir}`);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const since = Date.now() - 90 * 86_400_000;
    // Per-day rollup: the same counts as the raw table, one row per key, day and outcome.
    return db
      .prepare(
        `SELECT external_id AS id, sum(count) AS n FROM unkey_verifications_per_day
         WHERE time >= ? GROUP BY external_id ORDER BY n DESC LIMIT 1`,
      )
      .get(since - 86_400_000) as { id: string; n: number };
  } finally {
    db.close();
  }
}

interface Sample {
  dataEnd: number;
  painted: number;
  buckets: number | null;
  /** The chart's "Drawn in steps of …" caption, if it draws fewer points than buckets. */
  drawing: string | null;
}

const loadNow = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

/** Page-side: the drawing caption under the verifications chart, if any. */
const readDrawing = `(() => {
  const box = document.querySelector('[role="img"][aria-label=${JSON.stringify(CHART)}]');
  const card = box && box.closest("section");
  const note = card && [...card.querySelectorAll("p")].find((p) => p.textContent.startsWith("Drawn in steps of"));
  return note ? note.textContent : null;
})()`;

/**
 * Installed before any page script: watches for the chart's first shape and its paint. A string,
 * not a function: tsx compiles functions with a `__name` helper the page does not have.
 */
const probe = (chartLabel: string) => `(() => {
  const box = '[role="img"][aria-label=${JSON.stringify(chartLabel)}]';
  window.__watch = (shapes) => {
    const sel = shapes.map((c) => box + " " + c).join(", ");
    window.__chartPaint = undefined;
    let seen = false;
    const obs = new MutationObserver(() => {
      if (seen || !document.querySelector(sel)) return;
      seen = true;
      obs.disconnect();
      requestAnimationFrame(() => {
        const ch = new MessageChannel();
        ch.port1.onmessage = () => { window.__chartPaint = performance.now(); };
        ch.port2.postMessage(null);
      });
    });
    obs.observe(document, { childList: true, subtree: true });
  };
  window.__watch([".recharts-rectangle", ".recharts-area-area"]);
})();`;

function findBuckets(v: unknown): number | null {
  if (!v || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (typeof o.buckets === "number" && typeof o.bucket === "string") return o.buckets;
  for (const x of Array.isArray(v) ? v : Object.values(o)) {
    const n = findBuckets(x);
    if (n !== null) return n;
  }
  return null;
}

async function view(context: BrowserContext, url: string): Promise<Sample> {
  const page = await context.newPage();
  try {
    let buckets: number | null = null;
    page.on("response", (res) => {
      if (!res.url().includes("usage.timeseries")) return;
      void res
        .json()
        .then((j: unknown) => {
          buckets = findBuckets(j);
        })
        .catch(() => undefined);
    });
    await page.goto(url);
    // Page-side code as strings: the server's tsconfig has no DOM types (and see `probe`).
    await page
      .waitForFunction("window.__chartPaint", null, { timeout: 60_000 })
      .catch(async (err: unknown) => {
        const text = await page.evaluate<string>("document.body.innerText").catch(() => "");
        throw new Error(
          `no chart at ${page.url()}: ${String(err).slice(0, 120)}; page: ${text.slice(0, 600)}`,
        );
      });
    const t = await page.evaluate<{ dataEnd: number; painted: number }>(`(() => {
      const entry = performance.getEntriesByType("resource")
        .find((e) => e.name.includes("usage.timeseries"));
      return { dataEnd: entry ? entry.responseEnd : NaN, painted: window.__chartPaint ?? NaN };
    })()`);
    const drawing = await page.evaluate<string | null>(readDrawing);
    return { ...t, buckets, drawing };
  } finally {
    await page.close();
  }
}

/**
 * On a loaded page showing the daily chart, switch the URL to `bucket=hour` in place (the router
 * follows popstate): only the new query, its response and the chart's re-render remain.
 */
async function switchToHourly(context: BrowserContext, url: string): Promise<Sample> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForFunction("window.__chartPaint", null, { timeout: 60_000 });
    await page.waitForTimeout(300);
    const t = await page.evaluate<{ dataEnd: number; painted: number }>(`new Promise((done) => {
      window.__watch([".recharts-area-area"]);
      history.pushState(history.state, "", location.href + "&bucket=hour");
      dispatchEvent(new PopStateEvent("popstate", { state: history.state }));
      const wait = () => {
        if (window.__chartPaint === undefined) return setTimeout(wait, 5);
        const entries = performance.getEntriesByType("resource")
          .filter((e) => e.name.includes("usage.timeseries"));
        const last = entries[entries.length - 1];
        done({ dataEnd: last ? last.responseEnd : NaN, painted: window.__chartPaint });
      };
      wait();
    })`);
    const drawing = await page.evaluate<string | null>(readDrawing);
    return { ...t, buckets: null, drawing };
  } finally {
    await page.close();
  }
}

/** "every bucket drawn" or the page's caption, e.g. "drawn in steps of 6 hours …". */
function drawingNote(samples: Sample[]): string {
  const caption = samples.find((s) => s.drawing)?.drawing;
  if (!caption) return "every bucket drawn";
  const m = /^Drawn in steps of ([^,]+), each at its busiest (\w+)/.exec(caption);
  return m
    ? `drawn in steps of ${m[1]} at their busiest ${m[2]} (exact in tooltip and table)`
    : caption;
}

export async function benchRender(opts: { iterations: number }): Promise<Row[]> {
  const scratch = mkdtempSync(join(tmpdir(), "console-bench-render-"));
  const dist = join(scratch, "dist");
  const tBuild = performance.now();
  execFileSync("pnpm", ["exec", "vite", "build", "--outDir", dist, "--emptyOutDir"], {
    cwd: join(repoRoot, "client"),
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const buildMs = performance.now() - tBuild;
  const loadBefore = loadNow();
  const app = await startConsole(join(scratch, "data"), dist);
  let browser: Browser | null = null;
  try {
    const heaviest = heaviestCustomer(join(scratch, "data"));
    const executablePath = existsSync("/usr/bin/chromium") ? "/usr/bin/chromium" : undefined;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    const context = await browser.newContext({
      baseURL: app.baseUrl,
      viewport: { width: 1280, height: 900 },
    });
    await context.addInitScript({ content: probe(CHART) });
    const signIn = await context.newPage();
    await signIn.goto("/");
    await signIn.getByLabel("Email").fill("finance@example.com");
    await signIn.getByLabel("Password").fill("sandbox-password");
    await signIn.getByRole("button", { name: "Sign in" }).click();
    await signIn.getByRole("button", { name: "Sign out" }).waitFor({ timeout: 30_000 });
    await signIn.close();

    const rows: Row[] = [];
    const base = `/customers/${encodeURIComponent(heaviest.id)}?range=90d`;
    const variants = [
      { name: "90 d as the UI asks (range=90d)", url: base, target: undefined },
      {
        name: "90 d hourly (range=90d&bucket=hour)",
        url: `${base}&bucket=hour`,
        target: "≤ 200 ms",
      },
    ];
    for (const v of variants) {
      await view(context, v.url); // warm-up: HTTP cache holds the lazy chunks afterwards
      const samples: Sample[] = [];
      for (let i = 0; i < opts.iterations; i++) samples.push(await view(context, v.url));
      const render = summarize(samples.map((s) => s.painted - s.dataEnd));
      const total = summarize(samples.map((s) => s.painted));
      const buckets = samples.find((s) => s.buckets !== null)?.buckets ?? null;
      rows.push({
        section,
        metric: `${v.name}: data received → chart painted, p50 / p95`,
        value: `${fmtMs(render.p50)} / ${fmtMs(render.p95)}`,
        target: v.target,
        note: `${buckets === null ? "?" : buckets.toLocaleString("en-US")} buckets; ${drawingNote(samples)}; ${heaviest.id} (${heaviest.n.toLocaleString("en-US")} verifications in 90 d); n = ${render.n}, max ${fmtMs(render.max)}`,
      });
      rows.push({
        section,
        metric: `${v.name}: navigation → chart painted, p50 / p95`,
        value: `${fmtMs(total.p50)} / ${fmtMs(total.p95)}`,
        note: "includes the page's own load and the usage.timeseries request (cached by the server after the warm-up)",
      });
    }
    {
      await switchToHourly(context, base); // warm-up
      const samples: Sample[] = [];
      for (let i = 0; i < opts.iterations; i++) samples.push(await switchToHourly(context, base));
      const render = summarize(samples.map((s) => s.painted - s.dataEnd));
      rows.push({
        section,
        metric:
          "90 d daily → hourly in place (loaded page, URL switched): data received → chart painted, p50 / p95",
        value: `${fmtMs(render.p50)} / ${fmtMs(render.p95)}`,
        target: "≤ 200 ms",
        note: `2,160 buckets replace 90 bars on an idle, fully loaded page (charts chunk already loaded); ${drawingNote(samples)}; n = ${render.n}, max ${fmtMs(render.max)}`,
      });
    }
    rows.push({
      section,
      metric: "setup",
      value: fmtMs(buildMs),
      note: `vite build of the working tree; Chromium ${browser.version()}${executablePath ? ` (${executablePath})` : ""}, headless, 1280×900, no CPU throttling; load average (1 / 5 / 15 min) ${loadBefore} before the runs, ${loadNow()} after`,
    });
    return rows;
  } finally {
    await browser?.close();
    await app.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
