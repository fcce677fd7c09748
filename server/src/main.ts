import { ConfigError, loadConfig } from "./env";
import { startConsole } from "./server";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const running = await startConsole(config);
  if (running.sandbox) {
    // Alone on their lines so scripts can pick them up (issue: sandbox URLs).
    console.log(`UNKEY_URL=${running.sandbox.unkeyUrl}`);
    console.log(`STRIPE_URL=${running.sandbox.stripeUrl}`);
  }
  console.log(`Credits console (${config.mode}) listening on ${running.url}`);
  if (config.mode === "sandbox") {
    console.log(
      "Sign in as admin@example.com / sandbox-password (see the sign-in page for all roles)",
    );
  }
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    running.deps.log.info({ signal }, "shutting down");
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
