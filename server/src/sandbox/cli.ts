/**
 * `pnpm sandbox`: run the Unkey and Stripe emulators alone, e.g. to point a locally started console
 * (or curl, or the SDKs in a REPL) at them. Prints `UNKEY_URL=…` and `STRIPE_URL=…` each alone on a
 * line so scripts can grep them, then the credentials and control API hints.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSandbox } from "./index";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const usage = `Usage: pnpm sandbox [options]
  --data-dir <dir>      state folder (default <repo>/data); sandbox.sqlite lives there
  --seed <n>            world seed (default 42)
  --reset               delete the saved state and reseed
  --unkey-port <port>   default 7911
  --stripe-port <port>  default 7912
  --traffic-rate <n>    verifications per second (default 5; 0 = off)
  --customers <n>       world size (default 300)
  --history-days <n>    days of verification history (default 90)
  -h, --help`;

function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    console.error(`--${name} must be an integer >= ${min}, got "${value}"`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "data-dir": { type: "string" },
      seed: { type: "string" },
      reset: { type: "boolean", default: false },
      "unkey-port": { type: "string" },
      "stripe-port": { type: "string" },
      "traffic-rate": { type: "string" },
      customers: { type: "string" },
      "history-days": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const dataDir = resolve(values["data-dir"] ?? resolve(repoRoot, "data"));
  const rate = Number(values["traffic-rate"] ?? "5");
  if (!Number.isFinite(rate) || rate < 0) {
    console.error(`--traffic-rate must be a number >= 0, got "${values["traffic-rate"]}"`);
    process.exit(2);
  }
  const started = performance.now();
  const sandbox = await startSandbox({
    dataDir,
    seed: intFlag("seed", values.seed, 42),
    reset: values.reset,
    unkeyPort: intFlag("unkey-port", values["unkey-port"], 7911),
    stripePort: intFlag("stripe-port", values["stripe-port"], 7912),
    traffic: rate > 0 ? { ratePerSecond: rate } : false,
    world: {
      customers: intFlag("customers", values.customers, 300, 12),
      historyDays: intFlag("history-days", values["history-days"], 90, 1),
    },
    log: (msg) => console.error(msg),
  });
  const info = sandbox.info();
  console.log(`UNKEY_URL=${sandbox.unkeyUrl}`);
  console.log(`STRIPE_URL=${sandbox.stripeUrl}`);
  console.log(`UNKEY_ROOT_KEY=${sandbox.credentials.unkeyRootKey}`);
  console.log(`UNKEY_API_ID=${sandbox.credentials.unkeyApiId}`);
  console.log(`STRIPE_SECRET_KEY=${sandbox.credentials.stripeSecretKey}`);
  console.log("");
  console.log(
    `# ${sandbox.loadedFrom} world (seed ${info.seed}) in ${Math.round(performance.now() - started)} ms: ` +
      `${info.counts.identities} identities, ${info.counts.keys} keys, ${info.counts.verifications} verifications; ` +
      `state in ${info.dataFile}`,
  );
  console.log(
    `# clock ${info.clock.iso}${info.clock.frozen ? " (frozen)" : ""}; traffic ${info.traffic ? `${info.traffic.ratePerSecond}/s` : "off"}`,
  );
  console.log(`# control API on both ports (see server/src/sandbox/README.md):`);
  for (const route of info.controlApi) console.log(`#   ${route}`);
  console.log(
    `#   e.g. curl -s -XPOST ${sandbox.unkeyUrl}/_sandbox/clock/advance -d '{"ms":86400000}'`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`sandbox: ${signal}, stopping`);
    sandbox.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
