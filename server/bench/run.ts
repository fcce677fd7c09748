/**
 * `pnpm bench`: prints numbers, asserts nothing. Loopback only, every loop bounded.
 *
 *   pnpm bench                         all sections, then rewrite docs/benchmarks.md
 *   pnpm bench --only page,bundle      some sections (page | bundle | charts | render | world)
 *   pnpm bench --customers 20000 --keys 60000   a smaller large world
 *   pnpm bench --stripe-customers 5000          how many of them also exist in Stripe
 *   pnpm bench --no-write              print only
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchBundle } from "./bundle";
import { benchCharts } from "./charts";
import { benchCustomerPage } from "./customer-page";
import { benchLargeWorld } from "./large-world";
import { benchRender } from "./render";
import { machine, type Machine, type Row } from "./stats";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    customers: { type: "string", default: "100000" },
    keys: { type: "string", default: "300000" },
    // The Stripe emulator parses every stored object of a type to serve one list page (O(n) per
    // page), so a 100k-customer Stripe list takes O(n²) and hours; the console is not what that
    // would measure. The rest of the customers exist in Unkey only (marked "no Stripe match").
    "stripe-customers": { type: "string", default: "5000" },
    iterations: { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
  },
});

const sections = new Set(
  (values.only ?? "page,bundle,charts,render,world").split(",").map((s) => s.trim()),
);
const docsPath = resolve(fileURLToPath(new URL("../../docs/benchmarks.md", import.meta.url)));

function print(rows: Row[]) {
  let last = "";
  for (const r of rows) {
    if (r.section !== last) {
      console.log(`\n## ${r.section}`);
      last = r.section;
    }
    const target = r.target ? `  (target ${r.target})` : "";
    const note = r.note ? `  — ${r.note}` : "";
    console.log(`  ${r.metric}: ${r.value}${target}${note}`);
  }
}

const cell = (s: string | undefined) => (s ?? "").replace(/\|/g, "\\|");

function markdown(m: Machine, rows: Row[], command: string): string {
  const table = [
    "| section | metric | value | target | note |",
    "| --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) =>
        `| ${cell(r.section)} | ${cell(r.metric)} | ${cell(r.value)} | ${cell(r.target)} | ${cell(r.note)} |`,
    ),
  ].join("\n");
  return `# Benchmarks

Measured by \`${command}\` on ${m.date.slice(0, 10)} (${m.date}).

Machine: ${m.nproc} × ${m.cpuModel}, ${m.ramGB} GB RAM, Node ${m.node}, ${m.platform}.

${table}

## How to run

\`\`\`sh
pnpm bench                                   # everything; rewrites this file
pnpm bench --only page,bundle                # sections: page | bundle | charts | render | world
pnpm bench --only world --customers 20000 --keys 60000   # a smaller large world
pnpm bench --only world --stripe-customers 5000          # of which this many in Stripe
pnpm bench --no-write                        # print only
\`\`\`

Everything runs on loopback against the sandbox emulators; nothing is asserted, the figures are
for reading. The machine is shared with whatever else runs: compare runs taken under the same load.
What each section does:

- **Customer page** (\`server/bench/customer-page.ts\`): the emulators in a child process
  (\`pnpm sandbox\`) with 50 ms of latency injected on every endpoint (fault rules of kind
  \`latency\`). For each of N customers, each page procedure alone (\`customers.byId\`,
  \`billing.subscription\`, \`billing.usage\`, \`billing.upcomingInvoice\`, a fresh console
  each), then all four together through one console (\`Promise.all\` through \`createCaller\`,
  as the client's batched request runs them, sharing its caches as the server does). The ratios are
  together ÷ slowest procedure alone and together ÷ slowest single upstream request, per page
  view. The background directory refresh \`customers.byId\` starts is awaited between
  measurements. "Round trips" = time ÷ 50 ms: the depth of dependent upstream calls.
- **Client bundle**: \`vite build\` of the client into a scratch folder; the gzip (level 9) sizes of
  the JS that \`index.html\` loads eagerly (module scripts and \`modulepreload\` links).
- **Charts** (\`server/bench/charts.ts\`): \`usage.timeseries\` for the heaviest demo customer,
  90 days hourly, server time and JSON payload; \`finance.summary\` over the demo world.
- **Chart render** (\`server/bench/render.ts\`): the client built into a scratch folder, the
  console started as a child process in sandbox mode, headless Chromium (Playwright) signed in as
  finance on \`/customers/<heaviest>?range=90d\` (Auto buckets: daily) and \`…&bucket=hour\`
  (2,160 hourly buckets, drawn as at most 400 steps with exact values in tooltip and table).
  "Data received → chart painted" = from the \`responseEnd\` of the tRPC request carrying
  \`usage.timeseries\` to one frame after the first chart shape appears in the "Verifications
  by outcome" box, on the page's own clock. The in-place row switches a loaded daily page to hourly.
- **Large world** (\`server/bench/large-world.ts\`): three processes. The emulators
  (\`world-emulators.ts\`) bulk-insert 100k identities / 300k keys straight into the Unkey
  emulator's tables (\`world-generator.ts\`), plus per-day usage rollups for every key from the
  first day of the previous month to today (the only table the finance month question reads). The
  console side (\`world-console.ts\`) runs in its own process with the V8 heap flags of
  \`pnpm start\`: the naive way of building a sorted, filtered directory (ask Unkey for every
  identity and its keys, a bounded sample extrapolated), the full sync (keys/s; peak RSS = the
  kernel's high-water mark of the console process alone, the emulator process reported apart),
  \`directory.list\` through tRPC vs the same repository query, the finance read model's
  background fetch and \`finance.summary\` page views, then a second sync with recent raw events
  (the steady state). Only the first \`--stripe-customers\` (default 5,000) customers also exist
  in Stripe: the Stripe emulator serves a list page by parsing every stored object of that type,
  so listing 100k Stripe customers would measure the emulator, not the console.
`;
}

async function main() {
  const m = machine();
  console.log(
    `credits console bench — ${m.nproc} × ${m.cpuModel}, ${m.ramGB} GB, Node ${m.node}, ${m.date}`,
  );
  const rows: Row[] = [];
  const run = async (name: string, fn: () => Promise<Row[]>) => {
    if (!sections.has(name)) return;
    const t = performance.now();
    console.log(`\n… ${name}`);
    try {
      const r = await fn();
      print(r);
      rows.push(...r);
    } catch (err) {
      console.error(`section ${name} failed:`, err);
      rows.push({ section: name, metric: "run", value: "failed", note: String(err).slice(0, 200) });
    }
    console.log(`  (${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
  };
  await run("page", () => benchCustomerPage({ iterations: Number(values.iterations) }));
  await run("bundle", () => benchBundle());
  await run("charts", () => benchCharts({ iterations: Number(values.iterations) }));
  await run("render", () => benchRender({ iterations: Math.min(10, Number(values.iterations)) }));
  await run("world", () =>
    benchLargeWorld({
      customers: Number(values.customers),
      keys: Number(values.keys),
      stripeCustomers: Number(values["stripe-customers"]),
    }),
  );
  if (!values["no-write"]) {
    const argv = process.argv.slice(2).join(" ");
    // Hand-written notes after the generated part (from "## Notes" on) are kept.
    const old = existsSync(docsPath) ? readFileSync(docsPath, "utf8") : "";
    const at = old.indexOf("\n## Notes");
    const tail = at >= 0 ? old.slice(at) : "";
    writeFileSync(docsPath, markdown(m, rows, `pnpm bench${argv ? ` ${argv}` : ""}`) + tail);
    console.log(`\nwrote ${docsPath}`);
  }
}

await main();
